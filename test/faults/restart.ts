/**
 * Restarts one of the environment's servers (etcd, Redis, kube-apiserver …) in place: the same binary,
 * arguments, ports and data dir (read back from /proc/<pid>/cmdline), killed with SIGKILL or stopped with
 * SIGTERM, started again after `downMs`. The environment's process list is updated, so its stop finds the
 * new process.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EnvironmentInfo } from '../../envtest/environment.ts';
import { isAlive, startProcess, stopProcess, type ProcessRecord } from '../../envtest/process.ts';
import { sleep } from '../../runtime/util/sleep.ts';

export interface RestartOptions {
  signal: 'SIGKILL' | 'SIGTERM';
  downMs: number;
  /** Resolves true once the server serves again. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** The command line to start it with, for a server that rewrites its process title (Redis does). */
  commandLine?: string[];
}

function commandLine(record: ProcessRecord): string[] {
  // The starter's `setpriv --pdeathsig SIGKILL -- <binary>` exec'd the binary: the pid now shows its own arguments.
  return readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
}

/** Returns when the server answers again; the time it took after being started again, in ms. */
export async function restartServer(env: EnvironmentInfo, name: string, opts: RestartOptions): Promise<number> {
  const index = env.processes.findIndex((p) => p.name === name && isAlive(p.pid));
  if (index < 0) throw new Error(`no running ${name} in the environment`);
  const old = env.processes[index]!;
  const [command, ...args] = opts.commandLine ?? commandLine(old);
  if (!command) throw new Error(`cannot read the command line of ${name} (pid ${old.pid})`);
  if (opts.signal === 'SIGKILL') {
    process.kill(-old.pid, 'SIGKILL');
    while (isAlive(old.pid)) await sleep(20);
  } else await stopProcess(old);
  await sleep(opts.downMs);
  const started = Date.now();
  const record = startProcess({ name, command, args, logDir: dirname(old.logFile) });
  env.processes.splice(index, 1, record);
  const deadline = started + (opts.readyTimeoutMs ?? 60_000);
  while (!(await opts.ready().catch(() => false))) {
    if (!isAlive(record.pid)) throw new Error(`${name} exited after its restart; see ${record.logFile}`);
    if (Date.now() > deadline) throw new Error(`${name} not ready ${(opts.readyTimeoutMs ?? 60_000) / 1000}s after its restart; see ${record.logFile}`);
    await sleep(100);
  }
  return Date.now() - started;
}
