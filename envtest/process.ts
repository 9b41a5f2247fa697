/**
 * Starts the environment's servers as child processes in their own sessions (a terminal's Ctrl-C or hang-up
 * reaches only the starter, which then stops them in order), with logs in files, and stops them (TERM, then
 * KILL after a grace period). A stop works from the recorded pid alone, so `down` can stop what a detached
 * run left.
 *
 * Lifetime: by default a server dies with the process that started it, whatever kills that process (the
 * kernel sends it SIGKILL: PR_SET_PDEATHSIG, set by util-linux `setpriv` before it execs the server). Only a
 * starter that hands its servers over (`--detach`) calls keepProcessesAfterExit() first.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { sleep } from '../runtime/util/sleep.ts';
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

let outliveStarter = false;
/** Processes this process started and has not seen exit: what its shutdown must stop. */
const started = new Set<ProcessRecord>();
let closed = false;
let hurry = false;

/**
 * Servers started from now on keep running after this process exits (`--detach`). Process-wide, as it is
 * about this process's own exit.
 */
export function keepProcessesAfterExit(): void {
  outliveStarter = true;
}

/** Whether servers started now die with this process (the default). */
export function processesDieWithStarter(): boolean {
  return !outliveStarter;
}

let setprivPath: string | undefined;
function setpriv(): string {
  setprivPath ??= (process.env.PATH ?? '/usr/bin:/bin').split(delimiter).map((d) => join(d, 'setpriv')).find((p) => existsSync(p));
  if (!setprivPath) {
    throw new Error("setpriv (util-linux) not found on PATH: it makes the servers die with the process that started them; install util-linux, or use --detach");
  }
  return setprivPath;
}

export function startProcess(opts: StartOptions): ProcessRecord {
  if (closed) throw new Error(`not starting ${opts.name}: shutting down`);
  // The signal fires when the thread that forked exits; Node's spawn forks from the calling (main) thread.
  const [command, args] = outliveStarter ? [opts.command, opts.args] : [setpriv(), ['--pdeathsig', 'SIGKILL', '--', opts.command, ...opts.args]];
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, {
    detached: true, // own session and process group: one signal stops it and anything it forks
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${opts.name} (${opts.command})`);
  child.unref();
  const record = { name: opts.name, pid: child.pid, logFile };
  started.add(record);
  child.once('exit', () => started.delete(record));
  return record;
}

/**
 * Whether the process runs. A zombie (dead, not yet reaped) does not, but a thread-group leader shows as a
 * zombie while its other threads still exit, holding its files and sockets: that still runs.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const zombie = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
    return !zombie || readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return existsSync(`/proc/${pid}`) || !existsSync('/proc/self'); // gone meanwhile, or no procfs
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
  signalGroup(record.pid, hurry ? 'SIGKILL' : 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(record.pid) && !hurry && Date.now() < deadline) await sleep(50);
  if (isAlive(record.pid)) {
    signalGroup(record.pid, 'SIGKILL');
    while (isAlive(record.pid)) await sleep(20);
  }
}

/** From now on startProcess refuses: a shutdown must not race a start-up that is still launching servers. */
export function closeProcessStarts(): void {
  closed = true;
}

/** What this process started that still runs. */
export function startedProcesses(): ProcessRecord[] {
  return [...started].filter((p) => isAlive(p.pid));
}

/** Kills every process this process started at once (a second Ctrl-C); stops already under way finish fast. */
export function killStartedProcesses(): void {
  closed = true;
  hurry = true;
  for (const p of started) signalGroup(p.pid, 'SIGKILL');
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
  const since = Date.now();
  let lastNote = since;
  for (;;) {
    if (!isAlive(record.pid)) {
      throw new Error(`${record.name} exited during start-up; log ${record.logFile}:\n${logTail(record.logFile)}`);
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() - since > timeoutMs) {
      throw new Error(`${record.name} not ready after ${timeoutMs / 1000}s; log ${record.logFile}:\n${logTail(record.logFile)}`);
    }
    if (Date.now() - lastNote > 15_000) {
      log(`  waiting for ${record.name}…`);
      lastNote = Date.now();
    }
    await sleep(200);
  }
}
