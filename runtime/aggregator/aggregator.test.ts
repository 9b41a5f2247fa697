import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySpanCache } from '../spancache/memory.ts';
import { SpanCacheError, type SpanCache } from '../spancache/types.ts';
import { OtlpTracer } from '../tracer/otlp.ts';
import { nullLogger } from '../util/log.ts';
import { SpanAggregator, type AggregatorConfig } from './aggregator.ts';
import { decodeCarrier, encodeCarrier, spanCacheKey } from './cacheValue.ts';
import type { LinkJob, RichObject } from './types.ts';

const deployment: RichObject = { cluster: 'tracetest', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name: 'demo' };
const t0 = Date.parse('2025-01-02T10:17:33.250Z');

let tracer: OtlpTracer;
let exporter: InMemorySpanExporter;

function setup(cache: SpanCache = new MemorySpanCache(), extra: Partial<AggregatorConfig> = {}) {
  exporter = new InMemorySpanExporter();
  const registry = new Registry();
  tracer = new OtlpTracer(
    { maxQueueSize: 10_000, maxExportBatchSize: 512, scheduledDelay: 5, exportTimeout: 1000, exportAttempts: 1 },
    { exporter, logger: nullLogger, registry },
  );
  return new SpanAggregator({ spanTtl: 30 * 60_000, reserveTtl: 10_000, ...extra }, { spanCache: cache, tracer, registry, logger: nullLogger });
}

async function spans(): Promise<ReadableSpan[]> {
  await tracer.forceFlush();
  return exporter.getFinishedSpans();
}

afterEach(async () => tracer?.shutdown());

describe('aggregator', () => {
  it('writes one object span per window as the root, with audit spans as children carrying spec 3 tags and logs', async () => {
    const agg = setup(new MemorySpanCache(), { pseudoSpanTags: { runId: 'r1' }, eventSpanTags: { env: 'test' } });
    const jobs: LinkJob[] = [];
    agg.onLinkJob((j) => jobs.push(j));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        agg.send(deployment, {
          title: `alice update`,
          traceSource: 'audit',
          startMs: t0 + i,
          tags: { auditId: `a${i}` },
          logs: [{ type: 'realVerbose', message: 'No-op update' }],
        }),
      ),
    );
    const all = await spans();
    const objects = all.filter((s) => s.resource.attributes['service.name'] === 'object');
    expect(objects).toHaveLength(1);
    const root = objects[0]!;
    expect(root.name).toBe('deployments/demo');
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes).toMatchObject({
      cluster: 'tracetest', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name: 'demo',
      'zzz-traceSource': 'object', 'zzz-pseudoType': 'object', timeStamp: '2025-01-02T10:00:00Z', runId: 'r1',
    });
    expect(root.startTime).toEqual([Date.parse('2025-01-02T10:00:00Z') / 1000, 0]);
    const audits = all.filter((s) => s.resource.attributes['service.name'] === 'audit');
    expect(audits).toHaveLength(20);
    for (const a of audits) {
      expect(a.spanContext().traceId).toBe(root.spanContext().traceId);
      expect(a.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(a.attributes).toMatchObject({ 'zzz-notPseudo': 'zzz-notPseudo', 'zzz-traceSource': 'audit', env: 'test', name: 'demo' });
      expect(a.attributes).not.toHaveProperty('runId');
      expect(a.events[0]).toMatchObject({ name: 'No-op update', attributes: { 'zzz-logType': 'realVerbose' } });
    }
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.span).toEqual({ traceId: root.spanContext().traceId, spanId: root.spanContext().spanId });
  });

  it('starts a new trace when the window rolls over', async () => {
    const agg = setup();
    const a = await agg.ensureObjectSpan(deployment, t0);
    const b = await agg.ensureObjectSpan(deployment, t0 + 60_000);
    const c = await agg.ensureObjectSpan(deployment, t0 + 30 * 60_000);
    expect(b).toEqual(a);
    expect(c.traceId).not.toBe(a.traceId);
  });

  it('retries a store failure until the store answers, and exports only the span whose context was stored', async () => {
    const inner = new MemorySpanCache();
    let failures = 1;
    const flaky: SpanCache = {
      backend: 'flaky',
      fetchOrReserve: (k, t) => inner.fetchOrReserve(k, t),
      fetch: (k) => inner.fetch(k),
      setReserved: async (k, v, u, t) => {
        if (failures-- > 0) throw new Error('etcd unavailable');
        return inner.setReserved(k, v, u, t);
      },
      close: () => inner.close(),
    };
    // The failed writer's reservation expires after 50 ms; the retry then reserves and stores its own span.
    const ref = await setup(flaky, { reserveTtl: 50 }).ensureObjectSpan(deployment, t0);
    const written = await spans();
    expect(written).toHaveLength(1);
    expect(written[0]!.spanContext().spanId).toBe(ref.spanId);
  });

  it('gives up on a store that stays down past the deadline, exporting nothing (no orphan traces)', async () => {
    const inner = new MemorySpanCache();
    const down: SpanCache = {
      backend: 'down',
      fetchOrReserve: (k, t) => inner.fetchOrReserve(k, t),
      fetch: (k) => inner.fetch(k),
      setReserved: () => Promise.reject(new Error('etcd unavailable')),
      close: () => inner.close(),
    };
    await expect(setup(down, { reserveTtl: 50, maxReserveWait: 200 }).ensureObjectSpan(deployment, t0)).rejects.toThrow(/etcd unavailable/);
    expect(await spans()).toHaveLength(0);
  });

  it('waits for another writer and then attaches to its span', async () => {
    const cache = new MemorySpanCache();
    const agg = setup(cache);
    const key = spanCacheKey(deployment, 'object', Math.floor(t0 / 1000 / 1800));
    const theirs = await cache.fetchOrReserve(key, 10_000);
    const mine = agg.ensureObjectSpan(deployment, t0);
    await new Promise((r) => setTimeout(r, 30));
    const ref = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
    await cache.setReserved(key, encodeCarrier(ref), theirs.uid, 60_000);
    expect(await mine).toEqual(ref);
    expect(await spans()).toHaveLength(0);
  });

  it('gives up with the key in the message when a reservation never resolves', async () => {
    const cache = new MemorySpanCache();
    const agg = setup(cache, { maxReserveWait: 100 });
    const key = spanCacheKey(deployment, 'object', Math.floor(t0 / 1000 / 1800));
    await cache.fetchOrReserve(key, 10_000);
    await expect(agg.ensureObjectSpan(deployment, t0)).rejects.toThrow(`cannot reserve or fetch span "${key}"`);
    await expect(cache.fetchOrReserve(key, 10)).rejects.toBeInstanceOf(SpanCacheError);
  });

  it('encodes the cache value as a W3C traceparent carrier', () => {
    const ref = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
    expect(encodeCarrier(ref)).toBe('{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}');
    expect(decodeCarrier(encodeCarrier(ref), 'k')).toEqual(ref);
    expect(() => decodeCarrier('{}', 'k')).toThrow(/no valid traceparent/);
  });
});
