/**
 * The two small images every real node needs, made from Debian's static busybox (package busybox-static):
 * the pod sandbox ("pause") image under the name containerd is configured with, and a busybox image for
 * test pods (shell, sleep, wget, nslookup, httpd).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeOciArchive, type WrittenImage } from './oci.ts';

export const pauseImage = 'registry.k8s.io/pause:3.10';
export const busyboxImage = 'docker.io/library/busybox:kelemetry-test';
export const busyboxBinary = '/bin/busybox';

/** A root filesystem with busybox and one symlink per applet, plus the files programs expect. */
export function busyboxRootfs(dir: string): void {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(busyboxBinary, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(busyboxBinary, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', join(dir, 'bin', applet));
  mkdirSync(join(dir, 'etc'), { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true, mode: 0o1777 });
  chmodSync(join(dir, 'tmp'), 0o1777);
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\nnobody:x:65534:\n');
}

/** Writes both images as OCI archives into `outDir` (whose `rootfs` sub-folder is used as scratch). */
export async function writeBusyboxImages(outDir: string): Promise<WrittenImage[]> {
  const rootfs = join(outDir, 'busybox-rootfs');
  busyboxRootfs(rootfs);
  return [
    await writeOciArchive({ name: pauseImage, rootfs, entrypoint: ['/bin/sleep', '2147483647'] }, join(outDir, 'pause.oci.tar')),
    await writeOciArchive({ name: busyboxImage, rootfs, cmd: ['/bin/sh'], env: ['PATH=/bin'] }, join(outDir, 'busybox.oci.tar')),
  ];
}
