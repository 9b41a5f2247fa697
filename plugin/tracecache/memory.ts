/** In-process trace cache: for a single plugin replica. Expired entries are dropped when touched and when persisting. */
import type { TraceCache, TraceCacheConfig, TraceCacheEntry } from './types.ts';

export class MemoryTraceCache implements TraceCache {
  readonly kind = 'memory';
  private readonly entries = new Map<string, { entry: TraceCacheEntry; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(cfg: Pick<TraceCacheConfig, 'ttl'>, deps: { now?: () => number } = {}) {
    this.ttlMs = cfg.ttl;
    this.now = deps.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  async persist(entries: { key: string; entry: TraceCacheEntry }[]): Promise<void> {
    const now = this.now();
    // Map order is insertion order, so the oldest entries are at the front: stop at the first live one.
    for (const [k, v] of this.entries) {
      if (v.expiresAt > now) break;
      this.entries.delete(k);
    }
    for (const { key, entry } of entries) {
      this.entries.delete(key);
      this.entries.set(key, { entry: structuredClone(entry), expiresAt: now + this.ttlMs });
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
