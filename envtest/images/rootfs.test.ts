import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { busyboxBinary } from './busybox.ts';
import { baseFiles, installBinary, sharedLibraries } from './rootfs.ts';

const dir = mkdtempSync(join(tmpdir(), 'rootfs-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('image root filesystems', () => {
  it.skipIf(!existsSync(busyboxBinary))('finds no libraries for a static binary', () => {
    expect(sharedLibraries(busyboxBinary)).toEqual([]);
  });

  it('copies a dynamic binary with the libraries and loader it links', () => {
    const rootfs = join(dir, 'node');
    const libs = installBinary(rootfs, process.execPath, 'usr/local/bin/node');
    expect(libs.some((l) => /\/libc\.so\.6$/.test(l))).toBe(true);
    expect(libs.some((l) => /ld-linux/.test(l))).toBe(true);
    for (const lib of libs) expect(statSync(join(rootfs, lib)).isFile()).toBe(true);
    expect(statSync(join(rootfs, 'usr/local/bin/node')).mode & 0o777).toBe(0o755);
  });

  it('writes the user, hosts and name-service files and a sticky /tmp', () => {
    const rootfs = join(dir, 'base');
    baseFiles(rootfs, { name: 'app', uid: 1234 });
    expect(readFileSync(join(rootfs, 'etc/passwd'), 'utf8')).toMatch(/^app:x:1234:1234:app:\/home\/app:/m);
    expect(readFileSync(join(rootfs, 'etc/group'), 'utf8')).toMatch(/^app:x:1234:$/m);
    expect(readFileSync(join(rootfs, 'etc/hosts'), 'utf8')).toMatch(/^127\.0\.0\.1\tlocalhost$/m);
    expect(readFileSync(join(rootfs, 'etc/nsswitch.conf'), 'utf8')).toContain('hosts: files dns');
    expect(statSync(join(rootfs, 'tmp')).mode & 0o7777).toBe(0o1777);
    for (const d of ['proc', 'sys', 'dev']) expect(statSync(join(rootfs, d)).isDirectory()).toBe(true);
  });
});
