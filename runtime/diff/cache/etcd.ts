/**
 * Diff cache in etcd (spec 7.5 layout, 13.2): values are the patch / snapshot JSON, each key attached to
 * a lease so it expires by itself. Leases are shared per time bucket (one grant per bucket instead of
 * one per write), each living TTL + bucket so no key expires early.
 */
import type { Etcd3 } from 'etcd3';
import type { ObjectKey } from '../../model/objectKey.ts';
import type { DiffCache, Patch, RvIndexPolicy, Snapshot, SnapshotName } from '../types.ts';
import { decodeListedSince, encodeListedSince, lastSegment, listedSinceKey, objectPrefix, patchKey, snapshotKey } from './keys.ts';

export interface EtcdDiffCacheOptions {
  /** Shared with other stores: close() leaves it open. */
  client: Etcd3;
  prefix: string;
  policy: RvIndexPolicy;
  patchTtlMs: number;
  snapshotTtlMs: number;
}

class LeasePool {
  private bucket = -1;
  private lease: Promise<string> | undefined;
  private readonly bucketMs: number;

  constructor(
    private readonly client: Etcd3,
    private readonly ttlMs: number,
  ) {
    this.bucketMs = Math.max(1000, Math.floor(ttlMs / 10));
  }

  get(now = Date.now()): Promise<string> {
    const b = Math.floor(now / this.bucketMs);
    if (b !== this.bucket || !this.lease) {
      this.bucket = b;
      const ttlSeconds = Math.ceil((this.ttlMs + this.bucketMs) / 1000);
      this.lease = this.client.leaseClient.leaseGrant({ TTL: ttlSeconds }).then((r) => r.ID);
      // A failed grant must not poison the bucket.
      this.lease.catch(() => {
        if (this.bucket === b) this.lease = undefined;
      });
    }
    return this.lease;
  }
}

export class EtcdDiffCache implements DiffCache {
  private readonly patchLeases: LeasePool;
  private readonly snapshotLeases: LeasePool;

  constructor(private readonly opts: EtcdDiffCacheOptions) {
    this.patchLeases = new LeasePool(opts.client, opts.patchTtlMs);
    this.snapshotLeases = new LeasePool(opts.client, opts.snapshotTtlMs);
  }

  /** Without `leases`, the key never expires. */
  private async put(key: string, value: string, leases?: LeasePool): Promise<void> {
    try {
      const put = this.opts.client.put(key).value(value);
      await (leases ? put.lease(await leases.get()) : put).exec();
    } catch (err) {
      throw new Error(`diff cache (etcd): put ${key}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async get(key: string): Promise<string | undefined> {
    try {
      return (await this.opts.client.get(key).string()) ?? undefined;
    } catch (err) {
      throw new Error(`diff cache (etcd): get ${key}: ${(err as Error).message}`, { cause: err });
    }
  }

  storePatch(key: ObjectKey, patch: Patch): Promise<void> {
    const index = this.opts.policy.choose(key, patch.OldResourceVersion, patch.NewResourceVersion);
    return this.put(patchKey(this.opts.prefix, key, index), JSON.stringify(patch), this.patchLeases);
  }

  async fetchPatch(key: ObjectKey, oldRv: string, newRv: string | undefined): Promise<Patch | undefined> {
    const v = await this.get(patchKey(this.opts.prefix, key, this.opts.policy.choose(key, oldRv, newRv)));
    return v === undefined ? undefined : (JSON.parse(v) as Patch);
  }

  storeSnapshot(key: ObjectKey, name: SnapshotName, snapshot: Snapshot): Promise<void> {
    return this.put(snapshotKey(this.opts.prefix, key, name), JSON.stringify(snapshot), this.snapshotLeases);
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
    const keys = await this.opts.client.getAll().prefix(objectPrefix(this.opts.prefix, key)).sort('Key', 'Descend').limit(limit).keys();
    return keys.map(lastSegment);
  }

  async close(): Promise<void> {}
}
