/**
 * How an attached run (the quickstart or `env up` without --detach) ends: the first SIGINT (Ctrl-C), SIGTERM
 * or SIGHUP (terminal closed) starts an orderly stop of everything it started; another one during that stop
 * kills what is left at once. Under `npm run`, one Ctrl-C arrives twice (from the terminal, and forwarded by
 * npm), so the same signal again within a second is the same request. Signal listeners do not keep Node's event loop alive and every server is
 * unref'd, so a timer holds the process open while it waits (else Node exits 13, "unsettled top-level await").
 */
import { readFileSync } from 'node:fs';
import { stopEverything } from './environment.ts';
import { isAlive, killStartedProcesses } from './process.ts';
import { sleep } from '../runtime/util/sleep.ts';

const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const sameRequestMs = 1000;

export interface StopSignals {
  /** Resolves with the first stop signal. */
  readonly received: Promise<NodeJS.Signals>;
  /** The first stop signal, once there was one. */
  readonly signal: NodeJS.Signals | undefined;
  /** Removes the listeners and lets the process exit (a detached run that is done). */
  release(): void;
}

/** Installs the listeners; from then on the process stays up until release() or a signal's stop is done. */
export function trapStopSignals(say: (line: string) => void): StopSignals {
  let first: NodeJS.Signals | undefined;
  let firstAt = 0;
  let resolve!: (signal: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  const onSignal = (signal: NodeJS.Signals) => {
    // After a hang-up the terminal is gone: writing to it fails (EIO), which must not crash the stop.
    if (signal === 'SIGHUP') for (const out of [process.stdout, process.stderr]) out.on('error', () => undefined);
    if (first === undefined) {
      first = signal;
      firstAt = Date.now();
      resolve(signal);
      return;
    }
    if (signal === first && Date.now() - firstAt < sameRequestMs) return;
    say(`${signal} again: killing everything at once`);
    killStartedProcesses();
  };
  for (const s of stopSignals) process.on(s, onSignal);
  return {
    received,
    get signal() {
      return first;
    },
    release() {
      clearInterval(keepAlive);
      for (const s of stopSignals) process.off(s, onSignal);
    },
  };
}

/** Stops everything this process started (stopEverything) and says so, with how long it took. */
export async function shutDown(signal: NodeJS.Signals | undefined, say: (line: string) => void): Promise<void> {
  say(`\n${signal ? `${signal}: ` : ''}stopping everything this started (Ctrl-C again kills it at once)…`);
  const since = Date.now();
  const count = await stopEverything();
  say(`stopped ${count} processes in ${((Date.now() - since) / 1000).toFixed(1)}s`);
}

/**
 * Asks an attached run to stop (SIGTERM, as Ctrl-C would) and waits until it has exited, for `down` run from
 * another terminal. False when it is not running: `pid` gone, or reused by a process whose command line lacks
 * `script` (the run's entry file).
 */
export async function stopOwner(pid: number | undefined, script: string, timeoutMs = 60_000): Promise<boolean> {
  if (pid === undefined || !isAlive(pid) || !commandLine(pid).includes(script)) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  return true;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
