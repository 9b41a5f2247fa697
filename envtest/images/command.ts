/** `npm run env -- images`: writes the image archives and says how to load them into containerd. */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDuration, stderrLogger } from '../log.ts';
import { buildImages, importCommand, type BuildImagesOptions } from './build.ts';

const repoRoot = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

export const imagesUsage = `  images   write the images the operator's pods run (Kelemetry, Jaeger v2, etcd) as OCI archives, built
           locally (no registry or container engine needed), and print the ctr command that imports them
           options: --out DIR            where the archives go (default .kelemetry/images)
                    --version V          Kelemetry tag; repeat for several tags of the same tree
                                         (default: package.json's version)
                    --repository R       Kelemetry repository (default ghcr.io/kelemetry/kelemetry)
                    --only a,b           some of kelemetry, jaeger, etcd`;

function values(args: string[], name: string): string[] {
  return args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]!] : []));
}

export async function imagesCommand(args: string[]): Promise<number> {
  const outDir = resolve(values(args, '--out')[0] ?? join(repoRoot, '.kelemetry', 'images'));
  const only = values(args, '--only').flatMap((o) => o.split(','));
  const unknown = only.filter((o) => !['kelemetry', 'jaeger', 'etcd'].includes(o));
  if (unknown.length) {
    console.error(`--only: unknown image ${unknown.join(', ')} (choose from kelemetry, jaeger, etcd)`);
    return 2;
  }
  const started = Date.now();
  const images = await buildImages({
    outDir,
    versions: values(args, '--version'),
    repository: values(args, '--repository')[0],
    only: only.length ? (only as BuildImagesOptions['only']) : undefined,
    log: stderrLogger,
  });
  for (const i of images) console.log(`${i.name.padEnd(44)} ${(i.size / 1024 / 1024).toFixed(1).padStart(7)} MiB layer  ${i.digest.slice(0, 19)}  ${i.archive}`);
  console.log(`\n${images.length} images in ${formatDuration(Date.now() - started)}; import them into the real node's containerd with:\n  ${importCommand(images)}`);
  return 0;
}
