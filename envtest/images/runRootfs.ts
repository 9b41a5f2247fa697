/**
 * Runs a program inside an image's root filesystem with runc (the runtime containerd uses on the real
 * node), as a container would: the image's user, read-only root, no capabilities, own namespaces. Used
 * to prove an image works without a container engine or registry. Needs root (runc creates namespaces).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
let sequence = 0;

export interface RootfsRun {
  args: string[];
  /** `uid:gid` as in an image config. */
  user: string;
  env?: string[];
  cwd?: string;
  /** Host files or folders bound into the container (read-only unless `writable`, as a volume would be). */
  binds?: { source: string; destination: string; writable?: boolean }[];
  readonlyRoot?: boolean;
  /** Stop the container with SIGTERM once its output matches (a server that has come up). */
  stopWhen?: RegExp;
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from `runc run` to the `stopWhen` match. */
  matchedAfterMs?: number;
}

interface RuntimeSpec {
  process: { terminal: boolean; user: { uid: number; gid: number }; args: string[]; env: string[]; cwd: string };
  root: { path: string; readonly: boolean };
  mounts: { destination: string; type: string; source: string; options: string[] }[];
}

/** Writes `config.json` into `bundle`, starting from runc's own default spec. */
async function writeSpec(bundle: string, rootfs: string, r: RootfsRun): Promise<void> {
  await run('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as RuntimeSpec;
  const [uid, gid] = r.user.split(':').map(Number) as [number, number | undefined];
  spec.process = { ...spec.process, terminal: false, user: { uid, gid: gid ?? uid }, args: r.args, env: r.env ?? ['PATH=/usr/local/bin:/usr/bin:/bin'], cwd: r.cwd ?? '/' };
  spec.root = { path: resolve(rootfs), readonly: r.readonlyRoot ?? true };
  for (const b of r.binds ?? []) spec.mounts.push({ destination: b.destination, type: 'bind', source: resolve(b.source), options: ['rbind', b.writable ? 'rw' : 'ro'] });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
}

/** Runs `r.args` in `rootfs` and returns its exit code and output (the container is removed afterwards). */
export async function runInRootfs(rootfs: string, r: RootfsRun): Promise<RunResult> {
  const bundle = mkdtempSync(join(tmpdir(), 'kelemetry-bundle-'));
  const id = `kelemetry-image-${process.pid}-${++sequence}`;
  try {
    await writeSpec(bundle, rootfs, r);
    const started = performance.now();
    const child = spawn('runc', ['run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let matchedAfterMs: number | undefined;
    const watch = () => {
      if (!r.stopWhen || matchedAfterMs !== undefined || !r.stopWhen.test(stdout + stderr)) return;
      matchedAfterMs = performance.now() - started;
      void run('runc', ['kill', id, 'TERM']).catch(() => undefined);
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      watch();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      watch();
    });
    const timer = setTimeout(() => void run('runc', ['kill', id, 'KILL']).catch(() => undefined), r.timeoutMs ?? 60_000);
    const code = await new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('exit', done);
    }).finally(() => clearTimeout(timer));
    return { code, stdout, stderr, matchedAfterMs };
  } finally {
    await run('runc', ['delete', '--force', id]).catch(() => undefined);
    rmSync(bundle, { recursive: true, force: true });
  }
}
