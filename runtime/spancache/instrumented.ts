/**
 * Metrics around any span cache: `spancache_<op>` (spec 9.2) with the backend and the outcome
 * (`ok`, an expected conflict kind, or `error` for store failures).
 */
import type { Registry } from 'prom-client';
import { cacheErrorClock } from '../metrics/cacheErrors.ts';
import { histogram } from '../metrics/define.ts';
import { SpanCacheError, type CacheEntry, type SpanCache } from './types.ts';

export function instrumentSpanCache(inner: SpanCache, registry: Registry): SpanCache {
  const ops = {
    fetchOrReserve: histogram(registry, 'spancache_fetch_or_reserve', 'Span cache fetch-or-reserve calls (seconds)', ['backend', 'result']),
    fetch: histogram(registry, 'spancache_fetch', 'Span cache fetch calls (seconds)', ['backend', 'result']),
    setReserved: histogram(registry, 'spancache_set_reserved', 'Span cache set-reserved (CAS) calls (seconds)', ['backend', 'result']),
  };
  const failed = cacheErrorClock(registry, 'span');
  async function timed<T>(op: keyof typeof ops, call: () => Promise<T>, resultOf: (v: T) => string): Promise<T> {
    const end = ops[op].startTimer({ backend: inner.backend });
    try {
      const v = await call();
      end({ result: resultOf(v) });
      return v;
    } catch (err) {
      const result = err instanceof SpanCacheError ? err.kind : 'error';
      if (result === 'error') failed();
      end({ result });
      throw err;
    }
  }
  return {
    backend: inner.backend,
    fetchOrReserve: (key, ttl) => timed('fetchOrReserve', () => inner.fetchOrReserve(key, ttl), (e: CacheEntry) => (e.value === null ? 'reserved' : 'fetched')),
    fetch: (key) => timed('fetch', () => inner.fetch(key), (e) => (e ? 'found' : 'absent')),
    setReserved: (key, value, uid, ttl) => timed('setReserved', () => inner.setReserved(key, value, uid, ttl), () => 'ok'),
    close: () => inner.close(),
  };
}
