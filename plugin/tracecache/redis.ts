/** Redis trace cache: shared by all plugin replicas; keys `<prefix><decimal key>` with a TTL (PX). */
import type { Redis } from 'ioredis';
import { decodeEntry, encodeEntry, storageKey } from './codec.ts';
import type { TraceCache, TraceCacheConfig, TraceCacheEntry } from './types.ts';

export class RedisTraceCache implements TraceCache {
  readonly kind = 'redis';
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly ttlMs: number;

  /** `deps.client` is shared with other stores: close() leaves it open. */
  constructor(cfg: Pick<TraceCacheConfig, 'prefix' | 'ttl'>, deps: { client: Redis }) {
    this.client = deps.client;
    this.prefix = cfg.prefix;
    this.ttlMs = cfg.ttl;
  }

  async persist(entries: { key: string; entry: TraceCacheEntry }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.client.multi();
    for (const { key, entry } of entries) pipeline.set(storageKey(this.prefix, key), encodeEntry(entry), 'PX', this.ttlMs);
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (err) {
      throw new Error(`redis trace cache: cannot store ${entries.length} entries under ${this.prefix}: ${(err as Error).message}`, { cause: err });
    }
    const failed = (results ?? []).find(([e]) => e);
    if (!results || failed) throw new Error(`redis trace cache: storing ${entries.length} entries under ${this.prefix} failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
  }

  async fetch(key: string): Promise<TraceCacheEntry | undefined> {
    const k = storageKey(this.prefix, key);
    let text: string | null;
    try {
      text = await this.client.get(k);
    } catch (err) {
      throw new Error(`redis trace cache: cannot read ${k}: ${(err as Error).message}`, { cause: err });
    }
    return text === null ? undefined : decodeEntry(text, k);
  }

  async close(): Promise<void> {}
}
