/**
 * In-process span cache. Correct only when one process writes spans (a single replica); expiry is
 * checked on every access, and a trim loop frees expired entries' memory.
 */
import { randomBytes } from 'node:crypto';
import { SpanCacheError, type CacheEntry, type SpanCache } from './types.ts';

interface Entry {
  value: string | null;
  uid: string;
  expiresAt: number;
  reservedAt: number;
}

export interface MemorySpanCacheConfig {
  /** How often expired entries are deleted in ms (they are ignored as soon as they expire regardless). */
  trimInterval?: number;
}

export class MemorySpanCache implements SpanCache {
  readonly backend = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly trimTimer: NodeJS.Timeout;

  constructor(cfg: MemorySpanCacheConfig = {}, deps: { now?: () => number } = {}) {
    this.now = deps.now ?? Date.now;
    this.trimTimer = setInterval(() => this.trim(), cfg.trimInterval ?? 60_000);
    this.trimTimer.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  async fetchOrReserve(key: string, ttlMs: number): Promise<CacheEntry> {
    const e = this.live(key);
    if (!e) {
      const now = this.now();
      const entry: Entry = { value: null, uid: randomBytes(8).toString('hex'), expiresAt: now + ttlMs, reservedAt: now };
      this.entries.set(key, entry);
      return { value: null, uid: entry.uid };
    }
    if (e.value === null) throw new SpanCacheError('AlreadyReserved', key, `reserved ${this.now() - e.reservedAt} ms ago`);
    return { value: e.value, uid: e.uid };
  }

  async fetch(key: string): Promise<CacheEntry | undefined> {
    const e = this.live(key);
    return e && { value: e.value, uid: e.uid };
  }

  async setReserved(key: string, value: string, uid: string, ttlMs: number): Promise<void> {
    const e = this.live(key);
    if (!e) throw new SpanCacheError('InvalidKey', key, 'no reservation (absent or expired)');
    if (e.value !== null) throw new SpanCacheError('InvalidKey', key, 'already initialized');
    if (e.uid !== uid) throw new SpanCacheError('UidMismatch', key, 'reserved again by another writer');
    e.value = value;
    e.uid = randomBytes(8).toString('hex');
    e.expiresAt = this.now() + ttlMs;
  }

  /** Deletes expired entries; returns how many. */
  trim(): number {
    const now = this.now();
    let n = 0;
    for (const [k, e] of this.entries) {
      if (e.expiresAt <= now) {
        this.entries.delete(k);
        n++;
      }
    }
    return n;
  }

  async close(): Promise<void> {
    clearInterval(this.trimTimer);
    this.entries.clear();
  }
}
