/**
 * When a span or diff cache call last failed. The error counters count since the process started, so
 * errors while a store came up (the managed etcd starts after the pods that use it) would keep a
 * one-shot `kelemetry scan` red for ever; with this clock it can tell old errors from current ones.
 */
import type { Registry } from 'prom-client';
import { gauge } from './define.ts';

export const CACHE_LAST_ERROR = 'cache_last_error_timestamp_seconds';

/** Returns the function to call on each failed call of that cache. */
export function cacheErrorClock(registry: Registry, cache: 'span' | 'diff'): () => void {
  const g = gauge(registry, CACHE_LAST_ERROR, 'When a span or diff cache call last failed (Unix time, seconds).', ['cache']);
  return () => g.set({ cache }, Date.now() / 1000);
}
