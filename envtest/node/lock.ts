/**
 * One real node per machine: bridges, iptables chains and kubepods cgroups are global. The lock file names
 * the holder, and keeps what the clean-up needs when the holder is gone (the kernel settings to restore,
 * when the node started).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAlive } from '../process.ts';

export interface NodeLock {
  /** The process that started the node (its servers die with it unless detached). */
  starterPid: number;
  /** The node's own processes: a detached node is held while they run. */
  pids: number[];
  baseDir: string;
  startedAt: number;
  sysctls: Record<string, string>;
}

export const lockFile = process.env.KELEMETRY_REAL_NODE_LOCK ?? '/run/kelemetry/real-node.lock';

export function readLock(): NodeLock | undefined {
  try {
    return JSON.parse(readFileSync(lockFile, 'utf8')) as NodeLock;
  } catch {
    return undefined;
  }
}

export function lockHeld(lock: NodeLock): boolean {
  return [lock.starterPid, ...lock.pids].some((pid) => isAlive(pid));
}

/** Takes the lock, or throws naming the holder; a lock whose holder is gone is the caller's to sweep first. */
export function acquireLock(lock: NodeLock): void {
  mkdirSync(dirname(lockFile), { recursive: true });
  try {
    writeFileSync(lockFile, JSON.stringify(lock), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = readLock();
    if (holder && lockHeld(holder)) {
      // A detached node outlives its starter: then name the node's own processes.
      const who = isAlive(holder.starterPid) ? `pid ${holder.starterPid}` : `pids ${holder.pids.filter((p) => isAlive(p)).join(', ')} (detached)`;
      throw new Error(
        `a real node already runs on this machine (one at a time: it uses the host network): started by ${who} ` +
          `for the environment in ${holder.baseDir}; stop it with 'npm run env -- down' or by stopping ${who} (lock ${lockFile})`,
      );
    }
    throw new Error(`stale real-node lock ${lockFile} (pid ${holder?.starterPid} is gone): sweep it first`);
  }
}

/** Records the node's processes, so a detached node still holds the lock. */
export function updateLock(patch: Partial<NodeLock>): void {
  const lock = readLock();
  if (lock) writeFileSync(lockFile, JSON.stringify({ ...lock, ...patch }));
}

export function releaseLock(): void {
  rmSync(lockFile, { force: true });
}
