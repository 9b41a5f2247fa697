import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'kelemetry-lock-test-'));
process.env.KELEMETRY_REAL_NODE_LOCK = join(dir, 'real-node.lock');
const { acquireLock, lockHeld, readLock, releaseLock } = await import('./lock.ts');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that certainly ran and is gone. */
const deadPid = spawnSync('true').pid!;
const lock = (starterPid: number, pids: number[] = []) => ({ starterPid, pids, baseDir: '/tmp/kelemetry-env-x', startedAt: 0, sysctls: {} });

describe('the real-node lock', () => {
  it('admits one holder and names it to the next', () => {
    acquireLock(lock(process.pid));
    expect(() => acquireLock(lock(process.pid))).toThrow(`started by pid ${process.pid} for the environment in /tmp/kelemetry-env-x`);
    releaseLock();
    expect(readLock()).toBeUndefined();
  });

  it('is held while a detached node runs, and stale once all its processes are gone', () => {
    expect(lockHeld(lock(deadPid, [process.pid]))).toBe(true);
    expect(lockHeld(lock(deadPid, [deadPid]))).toBe(false);
    acquireLock(lock(deadPid));
    expect(() => acquireLock(lock(process.pid))).toThrow('stale real-node lock');
    releaseLock();
  });
});
