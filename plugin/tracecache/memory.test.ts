import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { pluginSection } from '../../runtime/config/sections/plugin.ts';
import { MemoryTraceCache } from './memory.ts';
import type { TraceCacheEntry } from './types.ts';

const entry = (startUs: number): TraceCacheEntry => ({ identifiers: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }], startUs, endUs: startUs + 1, rootObject: null });

describe('memory trace cache', () => {
  it('holds at most maxEntries, evicting the oldest first and counting evictions', async () => {
    const registry = new Registry();
    const cache = new MemoryTraceCache({ ttl: 60_000, maxEntries: 3 }, { registry });
    for (let i = 0; i < 5; i++) await cache.persist([{ key: `k${i}`, entry: entry(i) }]);
    expect(cache.size).toBe(3);
    expect(await cache.fetch('k0')).toBeUndefined();
    expect(await cache.fetch('k1')).toBeUndefined();
    expect((await cache.fetch('k4'))?.startUs).toBe(4);
    const evicted = (await registry.getSingleMetric('frontend_trace_cache_memory_evicted_count')?.get())?.values[0]?.value;
    expect(evicted).toBe(2);
    // A batch larger than the bound keeps its newest entries.
    await cache.persist(Array.from({ length: 5 }, (_, i) => ({ key: `b${i}`, entry: entry(i) })));
    expect(cache.size).toBe(3);
    expect((await cache.fetch('b4'))?.startUs).toBe(4);
  });

  it('holds at most maxBytes (estimated), so entries naming many traces cannot grow it without bound', async () => {
    const registry = new Registry();
    const wide = (n: number): TraceCacheEntry => ({ ...entry(n), identifiers: Array.from({ length: 1_000 }, () => ({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) })) });
    const cache = new MemoryTraceCache({ ttl: 60_000, maxEntries: 1_000, maxBytes: 500_000 }, { registry });
    for (let i = 0; i < 10; i++) await cache.persist([{ key: `w${i}`, entry: wide(i) }]);
    // 1,000 identifiers take well over 100 kB each: a few fit, the oldest went first.
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.size).toBeLessThan(10);
    expect(cache.bytes).toBeLessThanOrEqual(500_000);
    expect(await cache.fetch('w0')).toBeUndefined();
    expect((await cache.fetch('w9'))?.identifiers).toHaveLength(1_000);
    const evicted = (await registry.getSingleMetric('frontend_trace_cache_memory_evicted_count')?.get())?.values[0]?.value;
    expect(evicted).toBe(10 - cache.size);
    expect((await registry.getSingleMetric('frontend_trace_cache_memory_bytes')?.get())?.values[0]?.value).toBe(cache.bytes);
    // Expired and replaced entries give their bytes back.
    await cache.persist([{ key: 'w9', entry: entry(9) }]);
    await cache.close();
    expect(cache.bytes).toBe(0);
  });

  it('is bounded by default (plugin.traceCache.maxEntries, maxBytes)', () => {
    const cfg = pluginSection.parse({ backend: { remoteStorage: 'x:1' } }).traceCache;
    expect(cfg.maxEntries).toBe(100_000);
    expect(cfg.maxBytes).toBe(128 * 1024 * 1024);
  });
});
