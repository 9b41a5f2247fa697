/**
 * Trace cache backends of the storage plugin against the real etcd and Redis of the test environment:
 * the same contract for every implementation (store, read back from another instance, expire).
 */
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { EtcdTraceCache } from '../../plugin/tracecache/etcd.ts';
import { MemoryTraceCache } from '../../plugin/tracecache/memory.ts';
import { RedisTraceCache } from '../../plugin/tracecache/redis.ts';
import type { TraceCache, TraceCacheEntry } from '../../plugin/tracecache/types.ts';
import { newCacheKey } from '../../runtime/model/cacheTraceId.ts';

const env = inject('env');
const prefix = `/plugin-cache-test-${Math.random().toString(36).slice(2, 8)}/trace/`;
const entry: TraceCacheEntry = {
  identifiers: [{ traceId: '0123456789abcdef0123456789abcdef', spanId: '0011223344556677' }],
  startUs: Date.parse('2025-01-02T10:00:00Z') * 1000,
  endUs: Date.parse('2025-01-02T11:00:00Z') * 1000,
  rootObject: null,
};

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

type Make = (ttlMs: number) => TraceCache;
const backends: [string, Make][] = [
  ['memory', (ttl) => new MemoryTraceCache({ ttl })],
  [
    'etcd (real etcd)',
    (ttl) => {
      const client = new Etcd3({ hosts: env.etcd.endpoint });
      closers.push(async () => client.close());
      return new EtcdTraceCache({ prefix, ttl }, { client });
    },
  ],
  [
    'redis (real Redis)',
    (ttl) => {
      const client = new Redis(env.redis.port, env.redis.host);
      closers.push(async () => void (await client.quit()));
      return new RedisTraceCache({ prefix, ttl }, { client });
    },
  ],
];

describe.each(backends)('trace cache: %s', (name, make) => {
  it('stores entries and reads them back from another instance', async () => {
    const writer = make(60_000);
    const reader = name === 'memory' ? writer : make(60_000);
    const keys = [newCacheKey(), newCacheKey()];
    await writer.persist(keys.map((key) => ({ key, entry })));
    for (const key of keys) expect(await reader.fetch(key)).toEqual(entry);
    expect(await reader.fetch(newCacheKey())).toBeUndefined();
  });

  it('forgets entries after the TTL', async () => {
    const cache = make(1000);
    const key = newCacheKey();
    await cache.persist([{ key, entry }]);
    expect(await cache.fetch(key)).toBeDefined();
    // etcd lease expiry is checked about every 500 ms on top of the TTL.
    const deadline = Date.now() + 5000;
    let got: TraceCacheEntry | undefined = entry;
    while (got && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      got = await cache.fetch(key);
    }
    expect(got).toBeUndefined();
  });
});
