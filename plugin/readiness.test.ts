import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { pluginSection } from '../runtime/config/sections/plugin.ts';
import { nullLogger } from '../runtime/util/log.ts';
import { sleep } from '../runtime/util/sleep.ts';
import { startPlugin, type RunningPlugin } from './index.ts';
import { answered, BackendProbe } from './readiness.ts';
import { MemoryTraceCache } from './tracecache/memory.ts';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('storage plugin readiness', () => {
  it('is not ready until remote storage has answered, then is', async () => {
    const port = await freePort();
    const cfg = pluginSection.parse({ grpcListen: '127.0.0.1:0', backend: { remoteStorage: `127.0.0.1:${port}`, timeout: '1s' } });
    const plugin: RunningPlugin = await startPlugin(cfg, { clusters: ['c1'], spanTtlMs: 1_800_000, traceCache: new MemoryTraceCache({ ttl: 60_000 }), logger: nullLogger, registry: new Registry() });
    cleanups.push(() => plugin.stop());
    // Listening on gRPC, but nothing answers at the remote storage address.
    await sleep(300);
    expect(plugin.ready?.()).toBe(false);
    // Any gRPC server answers (here: UNIMPLEMENTED), which shows the backend is reachable.
    const storage = new grpc.Server();
    await new Promise<void>((resolve, reject) => storage.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    cleanups.push(() => new Promise<void>((r) => storage.tryShutdown(() => r())));
    expect(await until(() => plugin.ready?.() === true, 8_000)).toBe(true);
  }, 15_000);

  it('turns not ready when remote storage stops answering, and ready again when it is back', async () => {
    let reachable = true;
    const unavailable = Object.assign(new Error('connect ECONNREFUSED'), { code: grpc.status.UNAVAILABLE });
    const registry = new Registry();
    const probe = new BackendProbe({
      probe: async () => {
        if (!reachable) throw unavailable;
      },
      address: 'storage:17271',
      logger: nullLogger,
      registry,
      intervalMs: 20,
    });
    probe.start();
    cleanups.push(() => probe.stop());
    expect(await until(() => probe.ready, 1_000)).toBe(true);
    reachable = false;
    expect(await until(() => !probe.ready, 1_000)).toBe(true);
    expect((await registry.getSingleMetric('jaeger_backend_up')?.get())?.values[0]?.value).toBe(0);
    reachable = true;
    expect(await until(() => probe.ready, 2_000)).toBe(true);
  });

  it('counts an error status from the server as an answer, but not a missing connection or a timeout', () => {
    expect(answered(Object.assign(new Error('x'), { code: grpc.status.UNIMPLEMENTED }))).toBe(true);
    expect(answered(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: grpc.status.NOT_FOUND }) }))).toBe(true);
    expect(answered(Object.assign(new Error('x'), { code: grpc.status.UNAVAILABLE }))).toBe(false);
    expect(answered(Object.assign(new Error('x'), { code: grpc.status.DEADLINE_EXCEEDED }))).toBe(false);
    expect(answered(new Error('no code'))).toBe(false);
  });
});
