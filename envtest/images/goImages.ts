/**
 * Jaeger v2 and etcd images from the binaries the test environment already builds (envtest/tools.ts),
 * under the names the operator renders by default (api/schema/images.ts repositories, tags from
 * manifests/versions.ts), with the upstream images' paths and users:
 *  - jaegertracing/jaeger: /cmd/jaeger-linux as entrypoint, uid 10001 (manifests/workload.ts JAEGER_UID);
 *  - quay.io/coreos/etcd: /usr/local/bin/etcd on PATH (the manifests run `etcd`), as root like upstream
 *    (the rendered etcd pod sets no user).
 * The Go binaries use cgo (they link glibc), so the host's libc and loader go in beside them. They are
 * stripped of symbols and debug info, as upstream release builds (`-ldflags "-s -w"`) are.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { goTools } from '../versions.ts';
import { hashFileStat, newHash } from './cache.ts';
import type { ImageSpec } from './oci.ts';
import { baseFiles, installBinary, sharedLibraries } from './rootfs.ts';

const run = promisify(execFile);

/** The Jaeger release the Go module version is (module v1.76.0 carries Jaeger v2.13.0). */
const jaegerReleases: Record<string, string> = { 'v1.76.0': '2.13.0' };

export function jaegerRelease(moduleVersion = goTools.jaeger.version): string {
  const release = jaegerReleases[moduleVersion];
  if (!release) throw new Error(`no Jaeger release known for Go module github.com/jaegertracing/jaeger ${moduleVersion}; add it to jaegerReleases`);
  return release;
}

/** containerd stores images under their normalised names (docker.io/… for Docker Hub ones). */
export const jaegerImageName = (): string => `docker.io/jaegertracing/jaeger:${jaegerRelease()}`;
export const etcdImageName = (): string => `quay.io/coreos/etcd:${goTools.etcd.version}`;
export const jaegerUid = 10001;

export interface GoImage {
  spec: Omit<ImageSpec, 'rootfs'>;
  /** The host binary and where it goes in the image. */
  binary: string;
  target: string;
  user?: { name: string; uid: number };
}

export function jaegerImage(binary: string): GoImage {
  return {
    binary,
    target: 'cmd/jaeger-linux',
    user: { name: 'jaeger', uid: jaegerUid },
    spec: { name: jaegerImageName(), entrypoint: ['/cmd/jaeger-linux'], user: String(jaegerUid), labels: { 'org.opencontainers.image.version': jaegerRelease() } },
  };
}

export function etcdImage(binary: string): GoImage {
  return {
    binary,
    target: 'usr/local/bin/etcd',
    spec: {
      name: etcdImageName(),
      cmd: ['/usr/local/bin/etcd'],
      env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
      labels: { 'org.opencontainers.image.version': goTools.etcd.version },
    },
  };
}

/** Cache key: the binary and its libraries by size and time (they are large and only change on rebuild). */
export function goImageKey(image: GoImage): string {
  const hash = newHash('go-image', JSON.stringify(image.spec), image.target, JSON.stringify(image.user ?? null));
  hashFileStat(hash, image.binary);
  for (const lib of sharedLibraries(image.binary)) hashFileStat(hash, lib);
  return hash.digest('hex');
}

export async function goImageRootfs(image: GoImage, rootfs: string): Promise<void> {
  installBinary(rootfs, image.binary, image.target);
  await run('strip', [join(rootfs, image.target)]);
  baseFiles(rootfs, image.user);
}
