import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { busyboxImage, pauseImage, writeBusyboxImages } from './busybox.ts';
import { imageTag } from './oci.ts';

const dir = mkdtempSync(join(tmpdir(), 'oci-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function extract(archive: string, into: string): void {
  mkdirSync(into, { recursive: true });
  execFileSync('tar', ['-xf', archive, '-C', into]);
}

describe('OCI archives', () => {
  it('takes the tag from the reference, not from a registry port', () => {
    expect(imageTag('registry.k8s.io/pause:3.10')).toBe('3.10');
    expect(imageTag('localhost:5000/kelemetry')).toBe('latest');
  });

  it('writes a valid layout whose blobs match their digests, reproducibly', async () => {
    const [pause, busybox] = await writeBusyboxImages(dir);
    expect(pause!.name).toBe(pauseImage);
    expect(busybox!.name).toBe(busyboxImage);
    const out = join(dir, 'x');
    extract(pause!.archive, out);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    const entry = index.manifests[0];
    expect(entry.annotations['io.containerd.image.name']).toBe(pauseImage);
    expect(entry.digest).toBe(pause!.digest);
    const blob = (d: string) => readFileSync(join(out, 'blobs', 'sha256', d.replace('sha256:', '')));
    const manifest = JSON.parse(blob(entry.digest).toString());
    for (const ref of [manifest.config, ...manifest.layers]) {
      const data = blob(ref.digest);
      expect(`sha256:${createHash('sha256').update(data).digest('hex')}`).toBe(ref.digest);
      expect(data.length).toBe(ref.size);
    }
    const config = JSON.parse(blob(manifest.config.digest).toString());
    expect(config.config.Entrypoint).toEqual(['/bin/sleep', '2147483647']);
    const files = execFileSync('tar', ['-tf', join(out, 'blobs', 'sha256', manifest.layers[0].digest.replace('sha256:', ''))], { encoding: 'utf8' });
    expect(files).toContain('./bin/busybox');
    expect(files).toContain('./bin/sh');

    // Same rootfs, same digest: images are rebuilt on every environment start and must not churn.
    const again = await writeBusyboxImages(join(dir, 'again'));
    expect(again[0]!.digest).toBe(pause!.digest);
  });
});
