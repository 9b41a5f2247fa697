/** Unpacks an OCI archive written by oci.ts: its config and its root filesystem, for checks and runInRootfs. */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ImageConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string>;
}

export interface ExtractedImage {
  name: string;
  config: ImageConfig;
  rootfs: string;
}

/** Extracts `archive` into `dir` (layout in `dir/oci`, layers applied in order to `dir/rootfs`). */
export async function extractOciArchive(archive: string, dir: string): Promise<ExtractedImage> {
  const layout = join(dir, 'oci');
  const rootfs = join(dir, 'rootfs');
  mkdirSync(layout, { recursive: true });
  mkdirSync(rootfs, { recursive: true });
  await run('tar', ['-xf', archive, '-C', layout]);
  const blob = (digest: string) => join(layout, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const entry = index.manifests[0];
  if (!entry) throw new Error(`${archive}: index.json lists no manifest`);
  const manifest = JSON.parse(readFileSync(blob(entry.digest), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  for (const layer of manifest.layers) await run('tar', ['-xf', blob(layer.digest), '-C', rootfs, '--same-permissions', '--numeric-owner']);
  const config = (JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8')) as { config: ImageConfig }).config;
  return { name: entry.annotations?.['io.containerd.image.name'] ?? '', config, rootfs };
}
