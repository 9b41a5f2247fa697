/**
 * Runs operator/argocd/health.lua on the sample statuses listed in health_test.yaml (Argo CD's own test
 * format) in a real Lua 5.1 interpreter: Argo CD runs health scripts in gopher-lua, which implements
 * Lua 5.1. `scripts/test.sh` installs Debian's lua5.1.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const dir = dirname(fileURLToPath(import.meta.url));
const script = readFileSync(join(dir, 'health.lua'), 'utf8');
const cases = (parse(readFileSync(join(dir, 'health_test.yaml'), 'utf8')) as { tests: { healthStatus: { status: string; message: string }; inputPath: string }[] }).tests;
const load = (p: string) => parse(readFileSync(join(dir, p), 'utf8')) as unknown;

/** A Lua table constructor for a JSON value. */
function luaLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `{${v.map(luaLiteral).join(', ')}}`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `[${JSON.stringify(k)}] = ${luaLiteral(x)}`).join(', ')}}`;
}

/** Runs the health script on one object, as Argo CD does (the object in global `obj`), and returns its result. */
function health(obj: unknown): { status: string; message: string } {
  const program = `obj = ${luaLiteral(obj)}\nlocal function check()\n${script}\nend\nlocal hs = check()\nio.write(hs.status, "\\t", hs.message or "")`;
  let out: string;
  try {
    out = execFileSync('lua5.1', ['-'], { input: program, encoding: 'utf8' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('lua5.1 not found: apt-get install -y lua5.1 (or run bash scripts/test.sh)');
    throw err;
  }
  const [status = '', message = ''] = out.split('\t');
  return { status, message };
}

describe('Argo CD health check (health.lua, Lua 5.1)', () => {
  it.each(cases)('$inputPath → $healthStatus.status', ({ healthStatus, inputPath }) => {
    expect(health(load(inputPath))).toEqual(healthStatus);
  });

  it('covers every status Argo CD knows that the script can return', () => {
    expect(new Set(cases.map((c) => c.healthStatus.status))).toEqual(new Set(['Healthy', 'Progressing', 'Degraded', 'Suspended']));
  });
});
