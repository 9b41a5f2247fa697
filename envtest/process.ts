/**
 * Starts the environment's servers as child processes in their own process groups, with logs in files,
 * and stops them (TERM, then KILL after a grace period). Processes can outlive the starter (`env up`),
 * so a stop works from the recorded pid alone.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './log.ts';

export interface ProcessRecord {
  name: string;
  pid: number;
  logFile: string;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function startProcess(opts: StartOptions): ProcessRecord {
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(opts.command, opts.args, {
    detached: true, // own process group: one signal stops it and anything it forks
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${opts.name} (${opts.command})`);
  child.unref();
  return { name: opts.name, pid: child.pid, logFile };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Stops one process group; resolves once it is gone. */
export async function stopProcess(record: ProcessRecord, graceMs = 10_000): Promise<void> {
  if (!isAlive(record.pid)) return;
  signalGroup(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(record.pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(record.pid)) {
    signalGroup(record.pid, 'SIGKILL');
    while (isAlive(record.pid)) await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The last lines of a log file, for error messages. */
export function logTail(logFile: string, lines = 25): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `ready` until it resolves true. Fails early when the process died, and on timeout, in both
 * cases quoting the log tail so the cause is visible in the test output.
 */
export async function waitReady(
  record: ProcessRecord,
  ready: () => Promise<boolean>,
  timeoutMs: number,
  log: Logger,
): Promise<void> {
  const started = Date.now();
  let lastNote = started;
  for (;;) {
    if (!isAlive(record.pid)) {
      throw new Error(`${record.name} exited during start-up; log ${record.logFile}:\n${logTail(record.logFile)}`);
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${record.name} not ready after ${timeoutMs / 1000}s; log ${record.logFile}:\n${logTail(record.logFile)}`);
    }
    if (Date.now() - lastNote > 15_000) {
      log(`  waiting for ${record.name}…`);
      lastNote = Date.now();
    }
    await sleep(200);
  }
}
