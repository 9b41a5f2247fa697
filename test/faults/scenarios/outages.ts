/**
 * Scenarios that take one component away under load and bring it back: the runtime itself (SIGKILL, then
 * started again), the Jaeger collector (off the network for the outage), the span cache's etcd and Redis
 * (SIGKILL, restarted in place with the same data dir and port).
 */
import { join } from 'node:path';
import { httpOk, redisPing } from '../../../envtest/probes.ts';
import { sleep } from '../../../runtime/util/sleep.ts';
import { loadedRun, type Row, type RuntimeDoc, type SuiteContext } from '../harness.ts';
import { restartServer } from '../restart.ts';

/** No fault: the control row (everything accepted must be found once). */
export const baseline = (ctx: SuiteContext): Promise<Row> => loadedRun(ctx, { name: 'baseline', fault: () => Promise.resolve() });

export const consumerKill = (ctx: SuiteContext): Promise<Row> =>
  loadedRun(ctx, {
    name: 'consumer-kill',
    fault: async (r) => {
      await r.runtime.kill();
      const killed = Date.now();
      await r.runtime.start();
      r.notes.push(`SIGKILL; down ${((Date.now() - killed) / 1000).toFixed(1)} s until ready again`);
    },
  });

/** `exportAttempts`: tracer.exportAttempts (default: the runtime's, 12, about 40 s of retries). */
export const collectorDown = (ctx: SuiteContext, exportAttempts?: number): Promise<Row> =>
  loadedRun(ctx, {
    name: exportAttempts ? `collector-down-${exportAttempts}-attempts` : 'collector-down',
    configure: (doc) => {
      if (exportAttempts) (doc.tracer as Record<string, unknown>).exportAttempts = exportAttempts;
    },
    fault: async (r) => {
      await r.proxy.down();
      await sleep(ctx.opts.outageMs);
      await r.proxy.up();
      r.notes.push(`OTLP endpoint unreachable for ${ctx.opts.outageMs / 1000} s`);
    },
  });

/** A short store outage: long enough for clients to notice, as a restart of a real store is. */
const storeDownMs = 2_000;

export function spanCacheIn(backend: 'etcd' | 'redis', ctx: SuiteContext) {
  return (doc: RuntimeDoc) => {
    const prefix = `/faults-${backend}-${Date.now().toString(36)}/`;
    doc.stores = {
      ...(backend === 'etcd' ? { etcd: { endpoints: [ctx.env.etcd.endpoint] } } : { redis: { url: ctx.env.redis.endpoint } }),
      spanCache: { backend, prefix },
    };
  };
}

export const etcdRestart = (ctx: SuiteContext): Promise<Row> =>
  loadedRun(ctx, {
    name: 'etcd-restart',
    configure: spanCacheIn('etcd', ctx),
    fault: async (r) => {
      const ms = await restartServer(ctx.env, 'etcd', { signal: 'SIGKILL', downMs: storeDownMs, ready: () => httpOk(`${ctx.env.etcd.endpoint}/health`) });
      r.notes.push(`etcd SIGKILL, down ${storeDownMs / 1000} s, ready ${(ms / 1000).toFixed(1)} s after start (span cache in etcd)`);
    },
  });

export const redisRestart = (ctx: SuiteContext): Promise<Row> =>
  loadedRun(ctx, {
    name: 'redis-restart',
    configure: spanCacheIn('redis', ctx),
    fault: async (r) => {
      const { redis, binaries, baseDir } = ctx.env;
      // As envtest/stores.ts starts it: Redis shows "redis-server host:port" as its command line.
      const commandLine = [binaries.redisServer, '--bind', redis.host, '--port', String(redis.port), '--dir', join(baseDir, 'redis'), '--save', '', '--appendonly', 'no'];
      const ms = await restartServer(ctx.env, 'redis', { signal: 'SIGKILL', downMs: storeDownMs, ready: () => redisPing(redis.port), commandLine });
      r.notes.push(`redis SIGKILL, down ${storeDownMs / 1000} s, ready ${(ms / 1000).toFixed(1)} s after start (span cache in Redis, no persistence: its keys are gone)`);
    },
  });
