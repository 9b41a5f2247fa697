/**
 * `buildImages`: every image the operator's rendered pods run, as OCI archives for
 * `ctr -n k8s.io images import`: Kelemetry (one or more tags of the same tree), Jaeger v2 and etcd.
 * Each archive is cached by a hash of its inputs (images cache), so a warm run takes seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger, type Logger } from '../log.ts';
import { ensureBinaries } from '../tools.ts';
import { cacheArchivePath, cachedImage, hashPaths, newHash, placeArchive, rememberImage } from './cache.ts';
import { etcdImage, goImageKey, goImageRootfs, jaegerImage } from './goImages.ts';
import { kelemetryImageConfig, kelemetryRepository, kelemetryRootfs, kelemetryRootfsKey, packageVersion } from './kelemetry.ts';
import { ensureNodeRuntime } from './nodeRuntime.ts';
import { writeOciArchive, type ImageSpec, type WrittenImage } from './oci.ts';

const repoRoot = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

export interface BuildImagesOptions {
  /** Folder the archives are placed in (hard links into the cache when possible). */
  outDir: string;
  /** Kelemetry tags to write from the same tree (default: package.json's version). Each gets its own digest. */
  versions?: string[];
  /** Kelemetry repository (default ghcr.io/kelemetry/kelemetry, what the operator renders by default). */
  repository?: string;
  /** Which images (default all). */
  only?: ('kelemetry' | 'jaeger' | 'etcd')[];
  /** The repository checkout to build (default: this one). */
  repo?: string;
  log?: Logger;
}

/** Writes one archive per spec from one rootfs made by `fill`, or takes them from the cache. */
async function buildFromRootfs(specs: Omit<ImageSpec, 'rootfs'>[], key: string, fill: (rootfs: string) => Promise<void>, log: Logger): Promise<WrittenImage[]> {
  const cached = specs.map((s) => cachedImage(s.name, newHash(key, JSON.stringify(s)).digest('hex')));
  if (cached.every((c) => c !== undefined)) return cached;
  const scratch = mkdtempSync(join(tmpdir(), 'kelemetry-image-'));
  try {
    const rootfs = join(scratch, 'rootfs');
    await fill(rootfs);
    const written: WrittenImage[] = [];
    for (const spec of specs) {
      const specKey = newHash(key, JSON.stringify(spec)).digest('hex');
      log(`writing ${spec.name}`);
      const image = await writeOciArchive({ ...spec, rootfs }, cacheArchivePath(spec.name, specKey));
      rememberImage(image, specKey);
      written.push(image);
    }
    return written;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Builds (or takes from the cache) the requested images and places their archives in `outDir`. */
export async function buildImages(options: BuildImagesOptions): Promise<WrittenImage[]> {
  const log = options.log ?? silentLogger;
  const repo = options.repo ?? repoRoot;
  const only = new Set(options.only ?? ['kelemetry', 'jaeger', 'etcd']);
  // Every key covers the builder itself: a changed layout rebuilds.
  const builder = newHash('builder');
  hashPaths(builder, repoRoot, ['envtest/images']);
  const builderKey = builder.digest('hex');
  const images: WrittenImage[] = [];

  if (only.has('kelemetry')) {
    const node = await ensureNodeRuntime(log);
    const repository = options.repository ?? kelemetryRepository;
    const versions = options.versions?.length ? options.versions : [packageVersion(repo)];
    const specs = versions.map((v) => ({ name: `${repository}:${v}`, ...kelemetryImageConfig(v) }));
    const key = newHash(builderKey, kelemetryRootfsKey(repo, node)).digest('hex');
    images.push(...(await buildFromRootfs(specs, key, (rootfs) => kelemetryRootfs(repo, rootfs, node, log), log)));
  }
  if (only.has('jaeger') || only.has('etcd')) {
    const binaries = await ensureBinaries(log);
    const goImages = [...(only.has('jaeger') ? [jaegerImage(binaries.jaeger)] : []), ...(only.has('etcd') ? [etcdImage(binaries.etcd)] : [])];
    for (const image of goImages) {
      const key = newHash(builderKey, goImageKey(image)).digest('hex');
      images.push(...(await buildFromRootfs([image.spec], key, (rootfs) => goImageRootfs(image, rootfs), log)));
    }
  }
  return images.map((image) => placeArchive(image, options.outDir));
}

/** The command that loads the archives into the containerd the real node's kubelet uses. */
export function importCommand(images: WrittenImage[]): string {
  return images.map((i) => `ctr -n k8s.io images import ${i.archive}`).join(' && \\\n  ');
}
