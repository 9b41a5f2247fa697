import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CACHE_LAST_ERROR } from '../metrics/cacheErrors.ts';
import { instrumentSpanCache } from './instrumented.ts';
import { SpanCacheError, type SpanCache } from './types.ts';

describe('instrumentSpanCache', () => {
  it('records when a store call last failed, but not for expected races', async () => {
    const registry = new Registry();
    const inner = {
      backend: 'etcd',
      fetch: () => Promise.reject(new Error('connection refused')),
      fetchOrReserve: () => Promise.reject(new SpanCacheError('AlreadyReserved', 'k', 'held')),
      close: async () => {},
    } as unknown as SpanCache;
    const cache = instrumentSpanCache(inner, registry);
    const last = async () => (await registry.getSingleMetric(CACHE_LAST_ERROR)!.get()).values;
    await expect(cache.fetchOrReserve('k', 1000)).rejects.toThrow();
    expect(await last()).toEqual([]);
    const before = Date.now() / 1000;
    await expect(cache.fetch('k')).rejects.toThrow('connection refused');
    expect(await last()).toEqual([expect.objectContaining({ labels: { cache: 'span' }, value: expect.any(Number) })]);
    expect((await last())[0]!.value).toBeGreaterThanOrEqual(before);
  });
});
