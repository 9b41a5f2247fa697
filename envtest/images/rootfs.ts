/**
 * Pieces every locally built image's root filesystem shares: a binary with the host's shared libraries it
 * links (as a distroless base would carry them), the user database, /tmp, name-service and CA files.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The host's CA bundle (Debian ca-certificates); Go binaries read it, Node carries its own roots. */
const hostCaBundle = '/etc/ssl/certs/ca-certificates.crt';

export interface ImageUser {
  name: string;
  uid: number;
}

/**
 * The shared libraries `binary` loads, as ldd resolves them on this host (absolute paths, loader
 * included); empty for a static binary.
 */
export function sharedLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // ldd exits 1 with "not a dynamic executable" for static binaries.
    const stdout = String((err as { stdout?: unknown }).stdout ?? '');
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    if (/not a dynamic executable/.test(stdout + stderr)) return [];
    throw new Error(`ldd ${binary} failed`, { cause: err });
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    if (/=>\s+not found/.test(line)) throw new Error(`${binary} needs a library this host lacks: ${line.trim()}`);
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

/** Copies `binary` to `target` inside `rootfs`, plus its libraries at the paths ldd names; returns the libraries. */
export function installBinary(rootfs: string, binary: string, target: string): string[] {
  const dest = join(rootfs, target);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(binary, dest);
  chmodSync(dest, 0o755);
  const libs = sharedLibraries(binary);
  for (const lib of libs) {
    const libDest = join(rootfs, lib);
    if (existsSync(libDest)) continue;
    mkdirSync(dirname(libDest), { recursive: true });
    copyFileSync(lib, libDest); // follows the host's symlink: the image holds the file under the soname
    chmodSync(libDest, 0o755);
  }
  return libs;
}

/** /etc (users, groups, name service, CA bundle), a world-writable /tmp and mount points, as a minimal base image has. */
export function baseFiles(rootfs: string, user?: ImageUser): void {
  const etc = join(rootfs, 'etc');
  mkdirSync(etc, { recursive: true });
  const users = ['root:x:0:0:root:/root:/sbin/nologin', 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin'];
  const groups = ['root:x:0:', 'nobody:x:65534:'];
  if (user) {
    users.push(`${user.name}:x:${user.uid}:${user.uid}:${user.name}:/home/${user.name}:/sbin/nologin`);
    groups.push(`${user.name}:x:${user.uid}:`);
    mkdirSync(join(rootfs, 'home', user.name), { recursive: true });
  }
  writeFileSync(join(etc, 'passwd'), `${users.join('\n')}\n`);
  writeFileSync(join(etc, 'group'), `${groups.join('\n')}\n`);
  // Kubelet mounts its own /etc/hosts; without a runtime that does, `localhost` must still resolve (etcd's defaults use it).
  writeFileSync(join(etc, 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  // glibc's default without this file tries DNS before /etc/hosts; pods expect files first.
  writeFileSync(join(etc, 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  if (existsSync(hostCaBundle)) {
    mkdirSync(join(etc, 'ssl', 'certs'), { recursive: true });
    copyFileSync(hostCaBundle, join(etc, 'ssl', 'certs', 'ca-certificates.crt'));
  }
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  // Mount points the runtime fills; present so a read-only root needs no new directories.
  for (const d of ['proc', 'sys', 'dev']) mkdirSync(join(rootfs, d), { recursive: true });
}
