/**
 * Commands run as a user runs them in a terminal (in their own process group, so a signal to the group is
 * what Ctrl-C or a closed terminal sends), and what a stopped stack leaves behind: processes and ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isAlive } from '../../../envtest/process.ts';
import { sleep } from '../../../runtime/util/sleep.ts';

export interface TerminalRun {
  child: ChildProcess;
  /** Leader of its process group: signal -pid to reach all of it. */
  pid: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the output contains `text`; fails if the run exits first or on timeout, quoting the output. */
  waitFor(text: string, timeoutMs: number): Promise<void>;
}

export function runInTerminal(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): TerminalRun {
  const child = spawn(command, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  const waitFor = async (text: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!out.includes(text)) {
      if (done || Date.now() > deadline) throw new Error(`${done ? 'exited' : 'timed out'} before printing "${text}"; output:\n${out}`);
      await sleep(200);
    }
  };
  return { child, pid: child.pid!, output: () => out, exited, waitFor };
}

/** TCP ports the given processes listen on (from /proc: their socket inodes in /proc/net/tcp{,6}). */
/** `a.b.c.d` from /proc/net/tcp's little-endian hex; any address (0.0.0.0, ::) and IPv6 become 127.0.0.1. */
function localHost(hex: string): string {
  if (hex.length !== 8 || /^0+$/.test(hex)) return '127.0.0.1';
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

/** The TCP listeners of these processes, as `host:port` (a real node listens on its own address, not loopback). */
export function listeningPorts(pids: number[]): string[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  const listeners = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st ... inode (10th); st 0A = LISTEN
      if (cols[3] !== '0A' || !inodes.has(cols[9]!)) continue;
      const [host, port] = cols[1]!.split(':') as [string, string];
      listeners.add(`${localHost(host)}:${parseInt(port, 16)}`);
    }
  }
  return [...listeners].sort();
}

/** Addresses assigned to this host's interfaces now. */
function localAddresses(): Set<string> {
  return new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)));
}

/**
 * Those of the `host:port` listeners that accept a connection on this host. An address no longer assigned
 * here (a stopped real node's) counts as closed without trying: the sandbox's network may accept any
 * outgoing connection to a routed address.
 */
export async function openPorts(listeners: string[]): Promise<string[]> {
  const local = localAddresses();
  const open = await Promise.all(
    listeners.map(
      (listener) =>
        new Promise<boolean>((resolve) => {
          const [host, port] = listener.split(':') as [string, string];
          if (!local.has(host)) return resolve(false);
          const socket = connect({ host, port: Number(port) });
          socket.setTimeout(2000, () => (socket.destroy(), resolve(false)));
          socket.once('connect', () => (socket.destroy(), resolve(true)));
          socket.once('error', () => resolve(false));
        }),
    ),
  );
  return listeners.filter((_, i) => open[i]);
}

/** Waits until none of `pids` runs, up to `timeoutMs`; returns those still running and how long it took. */
export async function waitGone(pids: number[], timeoutMs: number): Promise<{ alive: number[]; ms: number }> {
  const since = Date.now();
  while (pids.some(isAlive) && Date.now() - since < timeoutMs) await sleep(20);
  return { alive: pids.filter(isAlive), ms: Date.now() - since };
}

/** Test clean-up after a failure: SIGKILL to each pid's process group. */
export function killGroups(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
