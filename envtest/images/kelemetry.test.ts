/**
 * The local image build and the release Dockerfile describe one image: same entrypoint, user, compiled
 * folders and node_modules pruning; and the production dependency closure holds no build tools.
 * (test/integration/images.test.ts builds the image and runs it.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { etcdImageName, jaegerImageName, jaegerRelease } from './goImages.ts';
import { kelemetryEntrypoint, kelemetryImageConfig, kelemetryUser, pruneArgs } from './kelemetry.ts';

const repo = join(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(repo, 'Dockerfile'), 'utf8');
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

describe('Kelemetry image layout', () => {
  it('has the Dockerfile entrypoint, user and working directory', () => {
    const config = kelemetryImageConfig('1.2.3');
    expect(JSON.parse(/^ENTRYPOINT (.*)$/m.exec(finalStage)![1]!)).toEqual(kelemetryEntrypoint);
    expect(config.entrypoint).toEqual(['node', '/app/dist/cli/main.js']);
    expect(/^USER (.*)$/m.exec(finalStage)![1]).toBe(config.user);
    expect(config.user).toBe(`${kelemetryUser.uid}:${kelemetryUser.uid}`);
    expect(kelemetryUser.uid).toBe(1000);
    expect(/^WORKDIR (.*)$/m.exec(finalStage)![1]).toBe(config.workingDir);
    expect(config.env).toContain('NODE_ENV=production');
    expect(config.labels?.['org.opencontainers.image.version']).toBe('1.2.3');
  });

  it('compiles the folders tsconfig.build.json names, and prunes node_modules as the Dockerfile does', () => {
    const tsconfig = readFileSync(join(repo, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '');
    const include = (JSON.parse(tsconfig) as { include: string[] }).include;
    // crds/ is copied too, into the final stage; it is data, not compiled.
    const copied = [...dockerfile.matchAll(/^COPY (\w+) \.\/\1$/gm)].map((m) => m[1]).filter((d) => d !== 'crds');
    expect(copied.sort()).toEqual([...include].sort());
    const find = /find (node_modules .*) -delete/.exec(dockerfile)![1]!.replaceAll("'", '').replaceAll('\\', '');
    expect(find.split(/\s+/)).toEqual(pruneArgs.slice(0, -1));
  });

  it('installs no build or test tool as a production dependency', () => {
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const production = Object.entries(lock.packages)
      .filter(([path, p]) => path.startsWith('node_modules/') && !p.dev)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(production.length).toBeGreaterThan(20);
    // (@types/node is a dependency of @kubernetes/client-node; its files are pruned as declarations.)
    for (const tool of ['tsx', 'typescript', 'vitest', 'esbuild', 'eslint', 'typescript-eslint']) expect(production).not.toContain(tool);
  });
});

describe('Jaeger and etcd image names', () => {
  it('are the normalised default repositories with the tested versions', () => {
    expect(jaegerRelease('v1.76.0')).toBe('2.13.0');
    expect(() => jaegerRelease('v9.9.9')).toThrow(/no Jaeger release known/);
    expect(jaegerImageName()).toBe('docker.io/jaegertracing/jaeger:2.13.0');
    expect(etcdImageName()).toBe('quay.io/coreos/etcd:v3.6.16');
  });
});
