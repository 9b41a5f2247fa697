/**
 * In-process trace cache: for a single plugin replica. Expired entries are dropped when touched and when
 * persisting; beyond `maxEntries` entries or `maxBytes` (estimated) the oldest are evicted (counted), so
 * searches cannot grow it without bound.
 */
import type { Counter, Registry } from 'prom-client';
import { counter, gauge } from '../../runtime/metrics/define.ts';
import type { TraceCache, TraceCacheConfig, TraceCacheEntry } from './types.ts';

/** Used when a caller builds the cache without the config section (tests, tools). */
const DEFAULTS = { maxEntries: 100_000, maxBytes: 128 * 1024 * 1024 };

type Bounds = Pick<TraceCacheConfig, 'ttl'> & Partial<Pick<TraceCacheConfig, 'maxEntries' | 'maxBytes'>>;

interface Stored {
  entry: TraceCacheEntry;
  expiresAt: number;
  bytes: number;
}

/** Heap use, roughly: the JSON form at two bytes a character (an entry grows with the traces it names). */
function estimateBytes(key: string, entry: TraceCacheEntry): number {
  return 2 * (key.length + JSON.stringify(entry).length);
}

export class MemoryTraceCache implements TraceCache {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Stored>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly evicted: Counter | undefined;
  private totalBytes = 0;

  constructor(cfg: Bounds, deps: { now?: () => number; registry?: Registry } = {}) {
    this.ttlMs = cfg.ttl;
    this.maxEntries = cfg.maxEntries ?? DEFAULTS.maxEntries;
    this.maxBytes = cfg.maxBytes ?? DEFAULTS.maxBytes;
    this.now = deps.now ?? Date.now;
    if (deps.registry) {
      const help = 'Memory trace cache entries evicted (oldest first) to stay within plugin.traceCache.maxEntries and maxBytes.';
      this.evicted = counter(deps.registry, 'frontend_trace_cache_memory_evicted_count', help, []);
      gauge(deps.registry, 'frontend_trace_cache_memory_bytes', 'Estimated bytes held by the memory trace cache.', [], (g) => g.set(this.totalBytes));
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.totalBytes;
  }

  async persist(entries: { key: string; entry: TraceCacheEntry }[]): Promise<void> {
    const now = this.now();
    // Map order is insertion order (persist never reorders but by re-inserting), so the oldest entries are
    // at the front: expire up to the first live one, then evict from the front down to the bounds.
    for (const [k, v] of this.entries) {
      if (v.expiresAt > now) break;
      this.remove(k);
    }
    for (const { key, entry } of entries) {
      this.remove(key);
      const bytes = estimateBytes(key, entry);
      this.entries.set(key, { entry: structuredClone(entry), expiresAt: now + this.ttlMs, bytes });
      this.totalBytes += bytes;
    }
    let evicted = 0;
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.totalBytes <= this.maxBytes) break;
      this.remove(k);
      evicted++;
    }
    if (evicted > 0) this.evicted?.inc(evicted);
  }

  async fetch(key: string): Promise<TraceCacheEntry | undefined> {
    const v = this.entries.get(key);
    if (!v) return undefined;
    if (v.expiresAt <= this.now()) {
      this.remove(key);
      return undefined;
    }
    return structuredClone(v.entry);
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.totalBytes = 0;
  }

  private remove(key: string): void {
    const v = this.entries.get(key);
    if (!v) return;
    this.entries.delete(key);
    this.totalBytes -= v.bytes;
  }
}
