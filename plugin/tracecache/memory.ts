/**
 * In-process trace cache: for a single plugin replica. Expired entries are dropped when touched and when
 * persisting; beyond `maxEntries` the oldest are evicted (counted), so searches cannot grow it without bound.
 */
import type { Counter, Registry } from 'prom-client';
import { counter } from '../../runtime/metrics/define.ts';
import type { TraceCache, TraceCacheConfig, TraceCacheEntry } from './types.ts';

/** Used when a caller builds the cache without the config section (tests, tools). */
const DEFAULT_MAX_ENTRIES = 100_000;

export class MemoryTraceCache implements TraceCache {
  readonly kind = 'memory';
  private readonly entries = new Map<string, { entry: TraceCacheEntry; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly evicted: Counter | undefined;

  constructor(cfg: Pick<TraceCacheConfig, 'ttl'> & Partial<Pick<TraceCacheConfig, 'maxEntries'>>, deps: { now?: () => number; registry?: Registry } = {}) {
    this.ttlMs = cfg.ttl;
    this.maxEntries = cfg.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = deps.now ?? Date.now;
    this.evicted = deps.registry && counter(deps.registry, 'frontend_trace_cache_memory_evicted_count', 'Memory trace cache entries evicted (oldest first) to stay within plugin.traceCache.maxEntries.', []);
  }

  get size(): number {
    return this.entries.size;
  }

  async persist(entries: { key: string; entry: TraceCacheEntry }[]): Promise<void> {
    const now = this.now();
    // Map order is insertion order (persist never reorders but by re-inserting), so the oldest entries are
    // at the front: expire up to the first live one, then evict from the front down to the bound.
    for (const [k, v] of this.entries) {
      if (v.expiresAt > now) break;
      this.entries.delete(k);
    }
    for (const { key, entry } of entries) {
      this.entries.delete(key);
      this.entries.set(key, { entry: structuredClone(entry), expiresAt: now + this.ttlMs });
    }
    let excess = this.entries.size - this.maxEntries;
    if (excess <= 0) return;
    this.evicted?.inc(excess);
    for (const k of this.entries.keys()) {
      if (excess-- <= 0) break;
      this.entries.delete(k);
    }
  }

  async fetch(key: string): Promise<TraceCacheEntry | undefined> {
    const v = this.entries.get(key);
    if (!v) return undefined;
    if (v.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return structuredClone(v.entry);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
