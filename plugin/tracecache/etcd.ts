/**
 * etcd trace cache: shared by all plugin replicas. Entries live under `<prefix><decimal key>` (the
 * original's layout) on a lease of the configured TTL, so they expire instead of piling up.
 */
import type { Etcd3 } from 'etcd3';
import { decodeEntry, encodeEntry, storageKey } from './codec.ts';
import type { TraceCache, TraceCacheConfig, TraceCacheEntry } from './types.ts';

export class EtcdTraceCache implements TraceCache {
  readonly kind = 'etcd';
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly ttlMs: number;

  /** `deps.client` is shared with other stores: close() leaves it open. */
  constructor(cfg: Pick<TraceCacheConfig, 'prefix' | 'ttl'>, deps: { client: Etcd3 }) {
    this.client = deps.client;
    this.prefix = cfg.prefix;
    this.ttlMs = cfg.ttl;
  }

  async persist(entries: { key: string; entry: TraceCacheEntry }[]): Promise<void> {
    if (entries.length === 0) return;
    const lease = this.client.lease(Math.max(1, Math.ceil(this.ttlMs / 1000)), { autoKeepAlive: false });
    try {
      await lease.grant();
      await Promise.all(entries.map(({ key, entry }) => lease.put(storageKey(this.prefix, key)).value(encodeEntry(entry)).exec()));
    } catch (err) {
      throw new Error(`etcd trace cache: cannot store ${entries.length} entries under ${this.prefix}: ${(err as Error).message}`, { cause: err });
    } finally {
      // Stop local lease bookkeeping; the lease itself stays granted until its TTL runs out.
      lease.release();
    }
  }

  async fetch(key: string): Promise<TraceCacheEntry | undefined> {
    const k = storageKey(this.prefix, key);
    let text: string | null;
    try {
      text = await this.client.get(k).string();
    } catch (err) {
      throw new Error(`etcd trace cache: cannot read ${k}: ${(err as Error).message}`, { cause: err });
    }
    return text === null ? undefined : decodeEntry(text, k);
  }

  async close(): Promise<void> {}
}
