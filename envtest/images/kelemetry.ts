/**
 * The Kelemetry image built locally with the layout of the release Dockerfile (node:24-slim based): the
 * official Node 24 binary at /usr/local/bin/node with the host's glibc libraries it links, user `node`
 * (uid 1000), /app/dist (compiled JavaScript), /app/node_modules (production dependencies only),
 * /app/crds, entrypoint `node /app/dist/cli/main.js`. What differs from the Dockerfile's image: no shell,
 * npm or Debian userland (a distroless-like base), and the libraries come from this Debian 12 host.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../log.ts';
import { hashFileStat, hashPaths, imagesCacheDir, newHash } from './cache.ts';
import { nodeRuntime } from './nodeRuntime.ts';
import type { ImageSpec } from './oci.ts';
import { baseFiles, installBinary, sharedLibraries, type ImageUser } from './rootfs.ts';

const run = promisify(execFile);

/** The repository the operator renders by default (api/schema/images.ts): with pull policy IfNotPresent, an imported image of that name is used as is. */
export const kelemetryRepository = 'ghcr.io/kelemetry/kelemetry';
/** manifests/workload.ts KELEMETRY_UID; the node:24 images name this user `node`. */
export const kelemetryUser: ImageUser = { name: 'node', uid: 1000 };
export const kelemetryEntrypoint = ['node', '/app/dist/cli/main.js'];
/** Folders compiled into dist/ (tsconfig.build.json) and the files the build reads. */
const buildInputs = ['cli', 'runtime', 'plugin', 'operator', 'manifests', 'api', 'app', 'crds', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.js', 'package.json', 'package-lock.json'];

/** Image config of one tag: the same rootfs for every tag, told apart by the version label and env. */
export function kelemetryImageConfig(version: string): Omit<ImageSpec, 'name' | 'rootfs'> {
  return {
    entrypoint: kelemetryEntrypoint,
    env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production', `KELEMETRY_IMAGE_VERSION=${version}`],
    workingDir: '/app',
    user: `${kelemetryUser.uid}:${kelemetryUser.uid}`,
    labels: {
      'org.opencontainers.image.title': 'kelemetry',
      'org.opencontainers.image.version': version,
      'io.kelemetry.build': `local (envtest/images, node ${nodeRuntime.version})`,
    },
  };
}

/** Hash of everything the rootfs is made from (sources, lock file, Node and its host libraries, this builder). */
export function kelemetryRootfsKey(repo: string, node: string): string {
  const hash = newHash('kelemetry-rootfs', nodeRuntime.version);
  for (const lib of sharedLibraries(node)) hashFileStat(hash, lib);
  hashPaths(hash, repo, [...buildInputs, 'envtest/images']);
  return hash.digest('hex');
}

/**
 * Type declarations, TypeScript sources and source maps in node_modules: never loaded at run time (Node
 * does not run .ts files from node_modules), about 70 MiB of 125. The Dockerfile runs the same `find`.
 */
export const pruneArgs = ['node_modules', '-type', 'f', '(', '-name', '*.ts', '-o', '-name', '*.mts', '-o', '-name', '*.cts', '-o', '-name', '*.map', ')', '-delete'];

/**
 * Production dependencies exactly as the lock file pins them (`npm ci --omit=dev --ignore-scripts`, as
 * the Dockerfile runs), installed once per package.json + lock file into the images cache.
 */
async function productionModules(repo: string, log: Logger): Promise<string> {
  const hash = newHash('node_modules', pruneArgs.join(' '));
  hashPaths(hash, repo, ['package.json', 'package-lock.json']);
  const dir = join(imagesCacheDir(), `node_modules-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(dir, 'node_modules'))) return dir;
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(repo, f), join(tmp, f));
  log('installing production dependencies (npm ci --omit=dev --ignore-scripts)');
  try {
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: tmp, maxBuffer: 16 << 20 });
    await run('find', pruneArgs, { cwd: tmp });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`npm ci --omit=dev in ${tmp} failed`, { cause: err });
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  // Installs for older lock files are not used again.
  for (const old of readdirSync(imagesCacheDir())) {
    if (/^node_modules-[0-9a-f]{16}$/.test(old) && join(imagesCacheDir(), old) !== dir) rmSync(join(imagesCacheDir(), old), { recursive: true, force: true });
  }
  return dir;
}

/** Fills `rootfs` with the Kelemetry image's files (see the file comment for the layout). */
export async function kelemetryRootfs(repo: string, rootfs: string, node: string, log: Logger): Promise<void> {
  installBinary(rootfs, node, 'usr/local/bin/node');
  baseFiles(rootfs, kelemetryUser);
  const app = join(rootfs, 'app');
  mkdirSync(app, { recursive: true });
  log('compiling the TypeScript sources (scripts/build.js)');
  try {
    await run(process.execPath, [join(repo, 'scripts', 'build.js'), '--out', join(app, 'dist')], { cwd: repo, maxBuffer: 16 << 20 });
  } catch (err) {
    const out = err as { stdout?: string; stderr?: string };
    throw new Error(`compiling ${repo} failed:\n${out.stdout ?? ''}${out.stderr ?? ''}`, { cause: err });
  }
  const modules = await productionModules(repo, log);
  cpSync(join(modules, 'node_modules'), join(app, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  // package.json marks dist/ as ES modules ("type": "module"); the lock file documents what is installed.
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(repo, f), join(app, f));
  cpSync(join(repo, 'crds'), join(app, 'crds'), { recursive: true });
}

/** The package version in package.json: the tag an unpinned build gets. */
export function packageVersion(repo: string): string {
  return (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
}
