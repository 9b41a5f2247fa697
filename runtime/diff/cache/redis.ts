/**
 * Diff cache in Redis: the same key layout as etcd, values with PX expiry (no lease bookkeeping).
 * `list` uses SCAN (debugging only; it walks the keyspace).
 */
import type { Redis } from 'ioredis';
import type { ObjectKey } from '../../model/objectKey.ts';
import type { DiffCache, Patch, RvIndexPolicy, Snapshot, SnapshotName } from '../types.ts';
import { decodeListedSince, encodeListedSince, lastSegment, listedSinceKey, objectPrefix, patchKey, snapshotKey } from './keys.ts';

export interface RedisDiffCacheOptions {
  /** Shared with other stores: close() leaves it open. */
  client: Redis;
  prefix: string;
  policy: RvIndexPolicy;
  patchTtlMs: number;
  snapshotTtlMs: number;
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

export class RedisDiffCache implements DiffCache {
  constructor(private readonly opts: RedisDiffCacheOptions) {}

  /** Without `ttlMs`, the key never expires. */
  private async put(key: string, value: string, ttlMs?: number): Promise<void> {
    try {
      await (ttlMs === undefined ? this.opts.client.set(key, value) : this.opts.client.set(key, value, 'PX', ttlMs));
    } catch (err) {
      throw new Error(`diff cache (redis): SET ${key}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async get(key: string): Promise<string | undefined> {
    try {
      return (await this.opts.client.get(key)) ?? undefined;
    } catch (err) {
      throw new Error(`diff cache (redis): GET ${key}: ${(err as Error).message}`, { cause: err });
    }
  }

  storePatch(key: ObjectKey, patch: Patch): Promise<void> {
    const index = this.opts.policy.choose(key, patch.OldResourceVersion, patch.NewResourceVersion);
    return this.put(patchKey(this.opts.prefix, key, index), JSON.stringify(patch), this.opts.patchTtlMs);
  }

  async fetchPatch(key: ObjectKey, oldRv: string, newRv: string | undefined): Promise<Patch | undefined> {
    const v = await this.get(patchKey(this.opts.prefix, key, this.opts.policy.choose(key, oldRv, newRv)));
    return v === undefined ? undefined : (JSON.parse(v) as Patch);
  }

  storeSnapshot(key: ObjectKey, name: SnapshotName, snapshot: Snapshot): Promise<void> {
    return this.put(snapshotKey(this.opts.prefix, key, name), JSON.stringify(snapshot), this.opts.snapshotTtlMs);
  }

  async fetchSnapshot(key: ObjectKey, name: SnapshotName): Promise<Snapshot | undefined> {
    const v = await this.get(snapshotKey(this.opts.prefix, key, name));
    return v === undefined ? undefined : (JSON.parse(v) as Snapshot);
  }

  storeListedSince(cluster: string, ms: number): Promise<void> {
    return this.put(listedSinceKey(this.opts.prefix, cluster), encodeListedSince(ms));
  }

  async fetchListedSince(cluster: string): Promise<number | undefined> {
    return decodeListedSince(await this.get(listedSinceKey(this.opts.prefix, cluster)));
  }

  async list(key: ObjectKey, limit: number): Promise<string[]> {
    const match = globEscape(objectPrefix(this.opts.prefix, key)) + '*';
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.opts.client.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found.sort().reverse().slice(0, limit).map(lastSegment);
  }

  async close(): Promise<void> {}
}
