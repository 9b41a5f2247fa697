import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Aggregator } from '../runtime/aggregator/types.ts';
import type { SpanCache } from '../runtime/spancache/types.ts';
import { parseConfig } from '../runtime/config/load.ts';
import { createRegistry } from '../runtime/metrics/registry.ts';
import { StoreClients } from '../runtime/store/clients.ts';
import { nullLogger } from '../runtime/util/log.ts';
import { sleep } from '../runtime/util/sleep.ts';
import { startInformers } from './informers.ts';

/** A stand-in apiserver that answers 404 to everything and records the paths asked for. */
async function recordingApiserver(paths: string[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

function kubeconfig(dir: string, name: string, server: string): string {
  const path = join(dir, `${name}.kubeconfig`);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name, context: { cluster: name, user: 'u' } }],
      'current-context': name,
    }),
  );
  return path;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('informers watch only this process\'s own cluster', () => {
  it('runs diff and event controller elections in informers.cluster only, not in the other clusters', async () => {
    const seen: Record<string, string[]> = { own: [], other: [] };
    const dir = mkdtempSync(join(tmpdir(), 'informers-cluster-'));
    const servers = { own: await recordingApiserver(seen.own!), other: await recordingApiserver(seen.other!) };
    cleanups.push(servers.own.close, servers.other.close);
    const config = parseConfig({
      clusters: [
        { name: 'other', kubeconfig: kubeconfig(dir, 'other', servers.other.url) },
        { name: 'own', kubeconfig: kubeconfig(dir, 'own', servers.own.url) },
      ],
      informers: { cluster: 'own', diffController: { enabled: true }, eventController: { enabled: true }, linkers: { workerCount: 0 } },
    });
    const stores = new StoreClients(config.stores);
    const aggregator = {} as Aggregator; // the controllers never reach it: every request fails
    const spanCache = {} as SpanCache; // nor this
    const started = startInformers(config, { logger: nullLogger, registry: createRegistry({ processMetrics: false }), stores, aggregator, spanCache });
    cleanups.push(async () => {
      for (const c of [...started.components].reverse()) await c.stop();
      await stores.close();
    });
    await sleep(500);
    const leases = (paths: string[]) => paths.filter((p) => p.includes('/leases'));
    expect(leases(seen.own!).length).toBeGreaterThan(0);
    expect(leases(seen.other!)).toEqual([]);
  });

  it('defaults to the first cluster and rejects a name that is not configured', () => {
    expect(() => parseConfig({ clusters: [{ name: 'a' }], informers: { cluster: 'b' } })).toThrow(/informers\.cluster "b" is not one of clusters/);
    expect(parseConfig({ clusters: [{ name: 'a' }, { name: 'b' }], informers: {} }).informers?.cluster).toBeUndefined();
  });
});
