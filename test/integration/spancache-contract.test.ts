/**
 * One span cache contract, three implementations: memory, etcd (real etcd of the test environment),
 * Redis (real redis-server of the test environment). Concurrent writers — several clients in this
 * process, and a second process — must end with exactly one object span per (object, window); an
 * abandoned reservation is reclaimed after its TTL; windows roll over to new traces.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { RichObject, SpanRef } from '../../runtime/aggregator/types.ts';
import { SpanCacheError } from '../../runtime/spancache/types.ts';
import { openCache, uniquePrefix, writer, type BackendName, type BackendTarget, type OpenCache } from './spancache-backends.ts';

const env = inject('env');
const run = promisify(execFile);

function target(name: BackendName): BackendTarget {
  const endpoint = name === 'etcd' ? env.etcd.endpoint : name === 'redis' ? `${env.redis.host}:${env.redis.port}` : '';
  return { name, endpoint, prefix: uniquePrefix() };
}

const object = (name: string): RichObject => ({ cluster: 'contract', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name });

const opened: OpenCache[] = [];
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
});

const memoryByPrefix = new Map<string, OpenCache>();

/** A new client; for memory, the one cache of this target (a memory cache is only shared within itself). */
function open(t: BackendTarget): OpenCache {
  const existing = t.name === 'memory' ? memoryByPrefix.get(t.prefix) : undefined;
  if (existing) return { cache: existing.cache, close: async () => {} };
  const inner = openCache(t);
  let closing: Promise<void> | undefined;
  const o: OpenCache = { cache: inner.cache, close: () => (closing ??= inner.close()) };
  opened.push(o);
  if (t.name === 'memory') memoryByPrefix.set(t.prefix, o);
  return o;
}

async function expectKind(p: Promise<unknown>, kind: string): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(SpanCacheError);
  await expect(p).rejects.toMatchObject({ kind });
}

describe.each(['memory', 'etcd', 'redis'] as const)('span cache contract: %s', (backend) => {
  it('reserve → conflict → set → fetch; set is a compare-and-swap on the uid', async () => {
    const t = target(backend);
    const { cache } = open(t);
    const r = await cache.fetchOrReserve('k1', 10_000);
    expect(r.value).toBeNull();
    await expectKind(cache.fetchOrReserve('k1', 10_000), 'AlreadyReserved');
    expect(await cache.fetch('k1')).toEqual({ value: null, uid: r.uid });
    await expectKind(cache.setReserved('k1', 'v', '999999', 60_000), 'UidMismatch');
    await cache.setReserved('k1', '{"traceparent":"x"}', r.uid, 60_000);
    expect((await cache.fetchOrReserve('k1', 10_000)).value).toBe('{"traceparent":"x"}');
    await expectKind(cache.setReserved('k1', 'again', r.uid, 60_000), 'InvalidKey');
    await expectKind(cache.setReserved('absent', 'v', r.uid, 60_000), 'InvalidKey');
    expect(await cache.fetch('absent')).toBeUndefined();
  });

  it('many concurrent writers with separate clients end with exactly one object span per key', async () => {
    const t = target(backend);
    // Memory is per process: its writers share one cache (the only correct use of it).
    const writers = Array.from({ length: 6 }, () => writer(open(t)));
    const names = ['a', 'b', 'c', 'd', 'e'];
    const eventTimeMs = Date.now();
    try {
      const results = await Promise.all(
        writers.flatMap((w) =>
          names.flatMap((name) =>
            Array.from({ length: 5 }, async () => ({ name, ...(await w.aggregator.getOrCreatePseudoSpan({ object: object(name), pseudoType: 'object', eventTimeMs, dedupId: 'object' })) })),
          ),
        ),
      );
      for (const name of names) {
        const mine = results.filter((r) => r.name === name);
        expect(new Set(mine.map((r) => r.span.spanId)).size, name).toBe(1);
        expect(mine.filter((r) => r.created)).toHaveLength(1);
      }
      let exported = 0;
      for (const w of writers) {
        await w.tracer.forceFlush();
        exported += w.exporter.getFinishedSpans().length;
      }
      expect(exported).toBe(names.length);
    } finally {
      await Promise.all(writers.map((w) => w.close()));
    }
  });

  it.skipIf(backend === 'memory')('two processes racing for the same keys agree on one span per key', async () => {
    const t = target(backend);
    const names = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const eventTimeMs = Date.now();
    const startAtMs = Date.now() + 3_000; // both sides warmed up (tsx start-up takes ~1 s)
    const child = run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'spancache-worker.ts'), JSON.stringify({ target: t, names, eventTimeMs, startAtMs, concurrency: 4 })], {
      cwd: join(import.meta.dirname, '..', '..'),
    });
    const w = writer(openCache(t));
    try {
      await w.aggregator.ensureObjectSpan(object('warm-up-parent'), eventTimeMs);
      await new Promise((r) => setTimeout(r, Math.max(0, startAtMs - Date.now())));
      const mine = await Promise.all(
        names.flatMap((name) =>
          Array.from({ length: 4 }, async () => ({ name, ...(await w.aggregator.getOrCreatePseudoSpan({ object: object(name), pseudoType: 'object', eventTimeMs, dedupId: 'object' })) })),
        ),
      );
      const theirs = JSON.parse((await child).stdout) as { name: string; span: SpanRef; created: boolean }[];
      for (const name of names) {
        const all = [...mine, ...theirs].filter((r) => r.name === name);
        expect(all).toHaveLength(8);
        expect(new Set(all.map((r) => r.span.spanId)).size, name).toBe(1);
        expect(all.filter((r) => r.created), name).toHaveLength(1);
      }
      // Both processes really created some (the race was real, not serialized).
      expect(theirs.some((r) => r.created) || mine.some((r) => r.created)).toBe(true);
    } finally {
      await w.close();
    }
  });

  it('reclaims a crashed writer’s reservation after its TTL', async () => {
    const t = target(backend);
    const crashed = open(t).cache;
    const key = 'contract/apps/deployments/default/crash/field=object,window=1';
    const stale = await crashed.fetchOrReserve(key, 1_000);
    await expectKind(crashed.fetchOrReserve(key, 1_000), 'AlreadyReserved');
    // etcd rounds leases up to its minimum TTL, so allow a few seconds.
    const started = Date.now();
    let fresh: { value: string | null; uid: string } | undefined;
    while (!fresh && Date.now() - started < 8_000) {
      try {
        fresh = await open(t).cache.fetchOrReserve(key, 10_000);
      } catch (err) {
        if (!(err instanceof SpanCacheError)) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(fresh, 'reservation reclaimed').toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(fresh!.uid).not.toBe(stale.uid);
    // The crashed writer, coming back, cannot overwrite the new reservation.
    await expect(crashed.setReserved(key, 'late', stale.uid, 60_000)).rejects.toBeInstanceOf(SpanCacheError);

    // Through the aggregator: an object blocked by a dead reservation gets its span once the TTL passes.
    const w = writer(open(t), { reserveTtlMs: 1_000, maxReserveWaitMs: 8_000 });
    try {
      const obj = object('crash2');
      const blockKey = `${'contract/apps/deployments/default/crash2'}/field=object,window=${Math.floor(Date.now() / 1000 / 1800)}`;
      await crashed.fetchOrReserve(blockKey, 1_000);
      const { created } = await w.aggregator.getOrCreatePseudoSpan({ object: obj, pseudoType: 'object', eventTimeMs: Date.now(), dedupId: 'object' });
      expect(created).toBe(true);
    } finally {
      await w.tracer.shutdown();
    }
  });

  it('rolls over to a new trace when the window changes', async () => {
    const t = target(backend);
    const spanTtlMs = 2_000;
    const w = writer(open(t), { spanTtlMs });
    try {
      const windowStart = Math.ceil(Date.now() / spanTtlMs) * spanTtlMs;
      const a = await w.aggregator.ensureObjectSpan(object('roll'), windowStart + 100);
      const b = await w.aggregator.ensureObjectSpan(object('roll'), windowStart + 1_900);
      const c = await w.aggregator.ensureObjectSpan(object('roll'), windowStart + 2_100);
      expect(b).toEqual(a);
      expect(c.traceId).not.toBe(a.traceId);
      const cache = open(t).cache;
      const w0 = windowStart / spanTtlMs;
      expect((await cache.fetch(`contract/apps/deployments/default/roll/field=object,window=${w0}`))?.value).toContain(a.spanId);
      expect((await cache.fetch(`contract/apps/deployments/default/roll/field=object,window=${w0 + 1}`))?.value).toContain(c.spanId);
    } finally {
      await w.tracer.shutdown();
    }
  });
});
