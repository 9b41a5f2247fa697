import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CACHE_LAST_ERROR } from '../../metrics/cacheErrors.ts';
import type { DiffCache } from '../types.ts';
import { InstrumentedDiffCache } from './instrumented.ts';

describe('InstrumentedDiffCache', () => {
  it('counts a failed call and records when it happened', async () => {
    const registry = new Registry();
    const inner = { fetchListedSince: () => Promise.reject(new Error('connection refused')) } as unknown as DiffCache;
    const cache = new InstrumentedDiffCache(inner, registry, 'etcd');
    const before = Date.now() / 1000;
    await expect(cache.fetchListedSince('c')).rejects.toThrow('connection refused');
    const ops = (await registry.getSingleMetric('diff_cache_op_count')!.get()).values;
    expect(ops).toEqual([expect.objectContaining({ labels: expect.objectContaining({ op: 'fetch_listed_since', error: 'true' }), value: 1 })]);
    const [last] = (await registry.getSingleMetric(CACHE_LAST_ERROR)!.get()).values;
    expect(last).toMatchObject({ labels: { cache: 'diff' } });
    expect(last!.value).toBeGreaterThanOrEqual(before);
  });
});
