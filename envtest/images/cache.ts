/**
 * Content-addressed cache of built image archives under ~/.cache/kelemetry/images (beside the tools
 * cache): an archive is rebuilt only when a hash of everything that goes into it changes, so a warm
 * `buildImages` only hashes the inputs and links the archives into place.
 */
import { createHash, type Hash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { toolsCacheDir } from '../tools.ts';
import type { WrittenImage } from './oci.ts';

export function imagesCacheDir(): string {
  return join(dirname(toolsCacheDir()), 'images');
}

/** Feeds the contents of files and folders (recursively, in name order) into `hash`, skipping `skip` matches. */
export function hashPaths(hash: Hash, root: string, paths: string[], skip: RegExp = /\.test\.ts$/): void {
  const visit = (path: string): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!skip.test(name)) visit(join(path, name));
      return;
    }
    hash.update(`${relative(root, path)}\0${stat.mode & 0o111 ? 'x' : '-'}\0`);
    hash.update(readFileSync(path));
  };
  for (const p of paths) if (existsSync(join(root, p))) visit(join(root, p));
}

/** Identity of a large cached file without reading it: its path, size and modification time. */
export function hashFileStat(hash: Hash, path: string): void {
  const stat = statSync(path);
  hash.update(`${path}\0${stat.size}\0${stat.mtimeMs}\0`);
}

export function newHash(...parts: string[]): Hash {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(`${p}\0`);
  return hash;
}

/** Cache entry for an image: its archive and the WrittenImage record that describes it. */
function entry(slug: string, key: string): { archive: string; record: string } {
  const base = join(imagesCacheDir(), `${slug}-${key.slice(0, 16)}`);
  return { archive: `${base}.oci.tar`, record: `${base}.json` };
}

function slugOf(name: string): string {
  return name.replace(/[^A-Za-z0-9.-]+/g, '_');
}

/** The cached image for `name` built from inputs hashed to `key`, or undefined. */
export function cachedImage(name: string, key: string): WrittenImage | undefined {
  const { archive, record } = entry(slugOf(name), key);
  if (!existsSync(archive) || !existsSync(record)) return undefined;
  return { ...(JSON.parse(readFileSync(record, 'utf8')) as WrittenImage), archive };
}

/** Where a new archive for `name`/`key` is written before `rememberImage` records it. */
export function cacheArchivePath(name: string, key: string): string {
  mkdirSync(imagesCacheDir(), { recursive: true });
  return entry(slugOf(name), key).archive;
}

/** Records a freshly written archive and drops older builds of the same image (each is hundreds of MB). */
export function rememberImage(image: WrittenImage, key: string): void {
  const slug = slugOf(image.name);
  const current = entry(slug, key);
  writeFileSync(current.record, JSON.stringify(image));
  for (const name of readdirSync(imagesCacheDir())) {
    const path = join(imagesCacheDir(), name);
    const stale = /^(.*)-[0-9a-f]{16}\.(oci\.tar|json)$/.exec(name)?.[1] === slug && path !== current.archive && path !== current.record;
    if (stale) rmSync(path, { force: true });
  }
}

/** Places a cached archive in `outDir` (a hard link when on the same file system, else a copy). */
export function placeArchive(image: WrittenImage, outDir: string): WrittenImage {
  mkdirSync(outDir, { recursive: true });
  const target = join(outDir, `${basename(image.archive).replace(/-[0-9a-f]{16}\.oci\.tar$/, '')}.oci.tar`);
  rmSync(target, { force: true });
  try {
    linkSync(image.archive, target);
  } catch {
    copyFileSync(image.archive, target);
  }
  return { ...image, archive: target };
}
