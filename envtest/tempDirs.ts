/**
 * An environment's temp dirs: a base dir under the OS temp dir, and etcd's data dir (on tmpfs when there is
 * one). A starter killed outright (SIGKILL, crash) takes its servers with it but cannot remove these; the base
 * dir names its starter (owner.pid), so the next start removes what such a starter left.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isAlive } from './process.ts';

const prefix = 'kelemetry-env-';
const ownerFile = 'owner.pid';

export interface TempDirs {
  baseDir: string;
  etcdDataDir: string;
}

/** etcd fsyncs every write; tmpfs makes that about twice as fast. */
function etcdDataDirFor(baseDir: string): string {
  return existsSync('/dev/shm') ? join('/dev/shm', `${basename(baseDir)}-etcd`) : join(baseDir, 'etcd');
}

/** New dirs; `ownerPid` set = they are garbage once that process is gone (its servers die with it). */
export function createTempDirs(ownerPid: number | undefined, root = tmpdir()): TempDirs {
  const baseDir = mkdtempSync(join(root, prefix));
  if (ownerPid !== undefined) writeFileSync(join(baseDir, ownerFile), `${ownerPid}\n`);
  return { baseDir, etcdDataDir: etcdDataDirFor(baseDir) };
}

export function removeTempDirs(dirs: TempDirs): void {
  rmSync(dirs.etcdDataDir, { recursive: true, force: true });
  rmSync(dirs.baseDir, { recursive: true, force: true });
}

/** Removes the dirs of environments whose owner died without stopping them; returns their base dirs. */
export function removeOrphanedTempDirs(root = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(root)) {
    if (!name.startsWith(prefix)) continue;
    const baseDir = join(root, name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(baseDir, ownerFile), 'utf8'));
    } catch {
      continue; // detached (its servers may run) or not ours
    }
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    try {
      removeTempDirs({ baseDir, etcdDataDir: etcdDataDirFor(baseDir) });
      removed.push(baseDir);
    } catch {
      // A killed real node's mounts are still inside (EBUSY): its sweep (envtest/node) unmounts them, after
      // which the next start removes the dir. One stuck dir must not stop this start.
    }
  }
  return removed;
}
