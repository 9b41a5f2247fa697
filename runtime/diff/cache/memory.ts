/** In-process diff cache: one replica only (the consumer must run in the same process as the controller). */
import type { ObjectKey } from '../../model/objectKey.ts';
import type { DiffCache, Patch, RvIndexPolicy, Snapshot, SnapshotName } from '../types.ts';
import { lastSegment, objectPrefix, patchKey, snapshotKey } from './keys.ts';
import { TtlLru } from './ttlLru.ts';

export interface MemoryDiffCacheOptions {
  policy: RvIndexPolicy;
  patchTtlMs: number;
  snapshotTtlMs: number;
  maxBytes: number;
}

export class MemoryDiffCache implements DiffCache {
  private readonly lru: TtlLru;
  private readonly sweeper: NodeJS.Timeout;
  private readonly listedSince = new Map<string, number>();

  constructor(private readonly opts: MemoryDiffCacheOptions) {
    this.lru = new TtlLru(opts.maxBytes);
    this.sweeper = setInterval(() => this.lru.sweep(), 60_000);
    this.sweeper.unref();
  }

  get bytes(): number {
    return this.lru.totalBytes;
  }

  async storePatch(key: ObjectKey, patch: Patch): Promise<void> {
    const index = this.opts.policy.choose(key, patch.OldResourceVersion, patch.NewResourceVersion);
    this.lru.set(patchKey('', key, index), JSON.stringify(patch), this.opts.patchTtlMs);
  }

  async fetchPatch(key: ObjectKey, oldRv: string, newRv: string | undefined): Promise<Patch | undefined> {
    const v = this.lru.get(patchKey('', key, this.opts.policy.choose(key, oldRv, newRv)));
    return v === undefined ? undefined : (JSON.parse(v) as Patch);
  }

  async storeSnapshot(key: ObjectKey, name: SnapshotName, snapshot: Snapshot): Promise<void> {
    // Overwrites (the original's write-once TTL cache kept a stale snapshot of a re-created object).
    this.lru.set(snapshotKey('', key, name), JSON.stringify(snapshot), this.opts.snapshotTtlMs);
  }

  async fetchSnapshot(key: ObjectKey, name: SnapshotName): Promise<Snapshot | undefined> {
    const v = this.lru.get(snapshotKey('', key, name));
    return v === undefined ? undefined : (JSON.parse(v) as Snapshot);
  }

  async storeListedSince(cluster: string, ms: number): Promise<void> {
    this.listedSince.set(cluster, ms);
  }

  async fetchListedSince(cluster: string): Promise<number | undefined> {
    return this.listedSince.get(cluster);
  }

  async list(key: ObjectKey, limit: number): Promise<string[]> {
    return this.lru.keysWithPrefix(objectPrefix('', key)).sort().reverse().slice(0, limit).map(lastSegment);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
