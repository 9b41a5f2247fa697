/**
 * The locally built images (envtest/images): built (or taken from the cache), unpacked from their OCI
 * archives, checked for the release layout, and run for real with runc as a container would run them:
 * the image's user, a read-only root filesystem, no capabilities. No container engine or registry.
 */
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildImages } from '../../envtest/images/build.ts';
import { extractOciArchive, type ExtractedImage } from '../../envtest/images/extract.ts';
import { runInRootfs, type RootfsRun } from '../../envtest/images/runRootfs.ts';
import { stderrLogger } from '../../envtest/log.ts';
import { which } from '../../envtest/tools.ts';
import { jaegerStorageConfig } from '../../manifests/jaegerConfig.ts';
import { PATHS } from '../../manifests/ports.ts';
import { imagesForVersion } from '../../manifests/versions.ts';
import { JAEGER_UID } from '../../manifests/workload.ts';

const dir = mkdtempSync(join(tmpdir(), 'kelemetry-images-test-'));
const example = join(import.meta.dirname, '..', '..', 'manifests', 'examples', 'instance.yaml');
const canRun = process.getuid?.() === 0 && which('runc') !== undefined;
const images: Record<string, ExtractedImage> = {};
let digests: Record<string, string> = {};

beforeAll(async () => {
  const written = await buildImages({ outDir: join(dir, 'out'), versions: ['0.1.0', '0.1.1'], log: stderrLogger });
  digests = Object.fromEntries(written.map((w) => [w.name, w.digest]));
  for (const w of written.filter((i) => !i.name.endsWith(':0.1.1'))) images[w.name.split(/[:/]/).at(-2)!] = await extractOciArchive(w.archive, join(dir, w.name.replace(/\W+/g, '_')));
}, 900_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the image's entrypoint (or `args` as given) in its rootfs with its own user and working directory. */
function runImage(image: ExtractedImage, args: string[], extra: Partial<RootfsRun> = {}) {
  return runInRootfs(image.rootfs, { args, user: image.config.User ?? '0:0', env: image.config.Env, cwd: image.config.WorkingDir, ...extra });
}

describe('locally built images', () => {
  it('writes two Kelemetry tags of one tree with different digests, and the versioned Jaeger and etcd tags', () => {
    const { jaeger, etcd } = imagesForVersion('0.1.0');
    expect(Object.keys(digests).sort()).toEqual(
      ['docker.io/jaegertracing/jaeger:' + jaeger, 'ghcr.io/kelemetry/kelemetry:0.1.0', 'ghcr.io/kelemetry/kelemetry:0.1.1', 'quay.io/coreos/etcd:' + etcd].sort(),
    );
    expect(digests['ghcr.io/kelemetry/kelemetry:0.1.0']).not.toBe(digests['ghcr.io/kelemetry/kelemetry:0.1.1']);
  });

  it('lays out the Kelemetry image as the Dockerfile does, with production dependencies only', () => {
    const { rootfs, config } = images.kelemetry!;
    expect(config.Entrypoint).toEqual(['node', '/app/dist/cli/main.js']);
    expect(config.User).toBe('1000:1000');
    for (const f of ['usr/local/bin/node', 'app/dist/cli/main.js', 'app/dist/plugin/modes/default.yaml', 'app/package.json', 'app/crds', 'lib64/ld-linux-x86-64.so.2']) {
      expect(existsSync(join(rootfs, f)), f).toBe(true);
    }
    expect(readFileSync(join(rootfs, 'etc/passwd'), 'utf8')).toMatch(/^node:x:1000:1000:/m);
    const modules = readdirSync(join(rootfs, 'app/node_modules'));
    for (const tool of ['tsx', 'typescript', 'vitest', 'esbuild', 'eslint']) expect(modules).not.toContain(tool);
    expect(modules).toContain('@kubernetes');
    expect(existsSync(join(rootfs, 'app/dist/cli/main.ts'))).toBe(false);
  });

  it.skipIf(!canRun)('runs `operator --help` as uid 1000 on a read-only root', async () => {
    const r = await runImage(images.kelemetry!, ['node', '/app/dist/cli/main.js', 'operator', '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: kelemetry operator');
    const write = await runImage(images.kelemetry!, ['node', '-e', 'require("fs").writeFileSync("/app/x", "")']);
    expect(write.stderr).toContain('EROFS');
  });

  it.skipIf(!canRun)('runs `synth`, which renders exactly the images built here', async () => {
    const r = await runImage(images.kelemetry!, ['node', '/app/dist/cli/main.js', 'synth', '-f', '/input/instance.yaml'], {
      binds: [{ source: example, destination: '/input/instance.yaml' }],
    });
    expect(r.code, r.stderr).toBe(0);
    const rendered = new Set([...r.stdout.matchAll(/^\s+image: (\S+)$/gm)].map((m) => m[1]!.replace(/^jaegertracing\//, 'docker.io/jaegertracing/')));
    expect([...rendered].sort()).toEqual(Object.keys(digests).filter((n) => !n.endsWith(':0.1.1')).sort());
  });

  it.skipIf(!canRun)('starts the plugin role (`run --config`) to "startup complete" on a read-only root', async () => {
    const config = join(dir, 'plugin.yaml');
    writeFileSync(config, 'clusters: [{name: c1}]\nmetrics: {listen: "127.0.0.1:0"}\nplugin: {grpcListen: "127.0.0.1:0", backend: {remoteStorage: "127.0.0.1:1"}}\n');
    const r = await runImage(images.kelemetry!, ['node', '/app/dist/cli/main.js', 'run', '--config', '/config/plugin.yaml'], {
      binds: [{ source: config, destination: '/config/plugin.yaml' }],
      stopWhen: /startup complete/,
    });
    expect(r.matchedAfterMs, r.stderr).toBeDefined();
    expect(r.code, r.stderr).toBe(0); // SIGTERM: a clean shutdown
  });

  it.skipIf(!canRun)('runs Jaeger as uid 10001 and etcd, each from its own image', async () => {
    const jaeger = await runImage(images.jaeger!, [...images.jaeger!.config.Entrypoint!, 'version']);
    expect(jaeger.code, jaeger.stderr).toBe(0);
    expect(images.jaeger!.config.User).toBe('10001');
    // The rendered etcd container runs `etcd` by name, found on the image's PATH.
    const etcd = await runImage(images.etcd!, ['etcd', '--version']);
    expect(etcd.code, etcd.stderr).toBe(0);
    expect(etcd.stdout).toContain(`etcd Version: ${imagesForVersion('0.1.0').etcd.replace(/^v/, '')}`);
  });

  /** A data folder owned by `uid`, as fsGroup or a fresh emptyDir makes it writable for the pod's user. */
  function dataDir(name: string, uid: number): string {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    chownSync(path, uid, uid);
    return path;
  }

  it.skipIf(!canRun)('serves Jaeger storage with the rendered config (Badger on a volume) as uid 10001 on a read-only root', async () => {
    const config = join(dir, 'storage.yaml');
    writeFileSync(config, stringify(jaegerStorageConfig()));
    const r = await runImage(images.jaeger!, [...images.jaeger!.config.Entrypoint!, `--config=${PATHS.jaegerConfig}/storage.yaml`], {
      binds: [
        { source: config, destination: `${PATHS.jaegerConfig}/storage.yaml` },
        { source: dataDir('jaeger-data', JAEGER_UID), destination: PATHS.jaegerData, writable: true },
      ],
      stopWhen: /Everything is ready/,
      timeoutMs: 60_000,
    });
    expect(r.matchedAfterMs, r.stderr.slice(-3000)).toBeDefined();
  });

  it.skipIf(!canRun)('serves etcd with a data volume on a read-only root', async () => {
    const r = await runImage(images.etcd!, ['etcd', '--data-dir=/var/lib/etcd', '--listen-client-urls=http://0.0.0.0:2379', '--advertise-client-urls=http://127.0.0.1:2379'], {
      binds: [{ source: dataDir('etcd-data', 0), destination: '/var/lib/etcd', writable: true }],
      stopWhen: /ready to serve client requests|serving client traffic/,
      timeoutMs: 60_000,
    });
    expect(r.matchedAfterMs, r.stderr.slice(-3000)).toBeDefined();
  });
});
