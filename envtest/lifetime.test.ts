/**
 * Servers' lifetime, with `sleep`/`sh` standing in for servers: they die with the process that started them
 * however it ends, unless it detached; an attached starter waits for Ctrl-C, stops them and exits 0, and a
 * second Ctrl-C kills what ignores the first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, stopProcess } from './process.ts';
import { removeOrphanedTempDirs } from './tempDirs.ts';
import { sleep } from '../runtime/util/sleep.ts';

const starter = join(import.meta.dirname, 'testdata', 'starter.ts');
const children: ChildProcess[] = [];
const servers: number[] = [];

interface Started {
  child: ChildProcess;
  server: number;
  output(): string;
  exited: Promise<number | null>;
}

async function start(mode: 'tied' | 'detached', ...command: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', starter, mode, ...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 200 && !/ready \d+/.test(out); i++) await sleep(50);
  const server = Number(/ready (\d+)/.exec(out)?.[1]);
  expect(server, out).toBeGreaterThan(0);
  servers.push(server);
  return { child, server, output: () => out, exited };
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid) && Date.now() < deadline) await sleep(20);
  return !isAlive(pid);
}

afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((pid) => stopProcess({ name: 'server', pid, logFile: '' }, 1000)));
});

describe('a server started by startProcess', () => {
  it('dies within a second when its starter is SIGKILLed', async () => {
    const s = await start('tied', 'sleep', '1000');
    expect(isAlive(s.server)).toBe(true);
    s.child.kill('SIGKILL');
    expect(await goneWithin(s.server, 1000)).toBe(true);
  });

  it('keeps running after its starter is SIGKILLed when the starter detached', async () => {
    const s = await start('detached', 'sleep', '1000');
    s.child.kill('SIGKILL');
    await s.exited;
    await sleep(300);
    expect(isAlive(s.server)).toBe(true);
  });
});

describe('an attached starter', () => {
  it('stays up until SIGINT, then stops its server and exits 0 (not 13)', async () => {
    const s = await start('tied', 'sleep', '1000');
    await sleep(500);
    expect(s.child.exitCode).toBeNull();
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
    expect(isAlive(s.server)).toBe(false);
    expect(s.output()).toMatch(/stopped 1 processes in \d+\.\ds/);
  });

  it('takes a signal repeated within a second (npm forwards the Ctrl-C the terminal sent too) as one', async () => {
    const s = await start('tied', 'sleep', '1000');
    s.child.kill('SIGINT');
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
    expect(s.output()).not.toContain('killing everything at once');
    expect(s.output()).toMatch(/stopped 1 processes/);
  });

  it('on a second signal kills a server that ignores SIGTERM at once', async () => {
    const s = await start('tied', 'sh', '-c', 'trap "" TERM; while :; do sleep 0.05; done');
    s.child.kill('SIGHUP');
    for (let i = 0; i < 100 && !s.output().includes('stopping'); i++) await sleep(20);
    await sleep(1000);
    expect(isAlive(s.server)).toBe(true); // still in its 10 s grace period
    const since = Date.now();
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
    expect(Date.now() - since).toBeLessThan(3000);
    expect(isAlive(s.server)).toBe(false);
    expect(s.output()).toContain('SIGINT again: killing everything at once');
  });
});

describe('removeOrphanedTempDirs', () => {
  it('removes the dirs of a dead owner and keeps those of a live owner or no owner', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kelemetry-orphans-'));
    try {
      const dead = spawn('true');
      await new Promise((resolve) => dead.on('exit', resolve));
      const make = (name: string, owner?: number) => {
        mkdirSync(join(root, name));
        if (owner !== undefined) writeFileSync(join(root, name, 'owner.pid'), `${owner}\n`);
        return join(root, name);
      };
      const orphan = make('kelemetry-env-orphan', dead.pid);
      const live = make('kelemetry-env-live', process.pid);
      const detached = make('kelemetry-env-detached');
      const other = make('something-else', dead.pid);
      expect(removeOrphanedTempDirs(root)).toEqual([orphan]);
      expect([orphan, live, detached, other].map((d) => existsSync(d))).toEqual([false, true, true, true]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
