/**
 * Writes container images as OCI archives without a registry or an image builder: one uncompressed
 * layer made by GNU tar from a root filesystem folder, plus the config, manifest and index JSON. The
 * archive is what `ctr -n k8s.io images import` (and `podman load`) accept.
 *
 * Why not podman or docker: neither engine is on these machines, and an image is only a few JSON
 * documents around a tar file.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ImageSpec {
  /** Full reference, e.g. `registry.k8s.io/pause:3.10`. */
  name: string;
  /** Folder holding the image's root filesystem (the single layer). */
  rootfs: string;
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  /** `uid:gid`; images that must run non-root say so here, as a Dockerfile's USER does. */
  user?: string;
  /** Config labels (e.g. `org.opencontainers.image.version`); they change the digest, not the layer. */
  labels?: Record<string, string>;
}

export interface WrittenImage {
  name: string;
  archive: string;
  /** Digest of the manifest: what containerd reports as the image's digest. */
  digest: string;
  /** Bytes of the (uncompressed) layer. */
  size: number;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The part after the last `:` that is not in the host:port part, or `latest`. */
export function imageTag(name: string): string {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(colon + 1) : 'latest';
}

/**
 * Writes `spec` as an OCI archive at `archive`. The layer is made reproducibly (sorted names, numeric
 * root ownership, mtime 0), so the same rootfs gives the same digest.
 */
export async function writeOciArchive(spec: ImageSpec, archive: string): Promise<WrittenImage> {
  const layout = mkdtempSync(join(tmpdir(), 'kelemetry-oci-'));
  try {
    const blobs = join(layout, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const layerTmp = join(layout, 'layer.tar');
    await run('tar', ['--sort=name', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '-C', spec.rootfs, '-cf', layerTmp, '.'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const layerDigest = await sha256File(layerTmp);
    const { size } = statSync(layerTmp);
    renameSync(layerTmp, join(blobs, layerDigest));

    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {
        ...(spec.entrypoint && { Entrypoint: spec.entrypoint }),
        ...(spec.cmd && { Cmd: spec.cmd }),
        Env: spec.env ?? ['PATH=/usr/local/bin:/usr/bin:/bin'],
        ...(spec.workingDir && { WorkingDir: spec.workingDir }),
        ...(spec.user && { User: spec.user }),
        ...(spec.labels && { Labels: spec.labels }),
      },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
      history: [{ created_by: 'kelemetry envtest/images (rootfs as one layer)' }],
    });
    const configDigest = sha256(config);
    writeFileSync(join(blobs, configDigest), config);

    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configDigest}`, size: Buffer.byteLength(config) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size }],
    });
    const manifestDigest = sha256(manifest);
    writeFileSync(join(blobs, manifestDigest), manifest);

    writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${manifestDigest}`,
            size: Buffer.byteLength(manifest),
            // containerd names the imported image from the first; the second is the OCI convention.
            annotations: { 'io.containerd.image.name': spec.name, 'org.opencontainers.image.ref.name': imageTag(spec.name) },
          },
        ],
      }),
    );
    const partial = `${archive}.partial-${process.pid}`;
    await run('tar', ['--sort=name', '--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '-C', layout, '-cf', partial, 'oci-layout', 'index.json', 'blobs']);
    renameSync(partial, archive);
    return { name: spec.name, archive, digest: `sha256:${manifestDigest}`, size };
  } finally {
    rmSync(layout, { recursive: true, force: true });
  }
}
