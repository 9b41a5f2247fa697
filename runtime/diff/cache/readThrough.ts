/**
 * Memory read-through in front of a shared diff cache: writes go to both, reads try memory first and
 * remember what the store returned. Caches patches as well as snapshots (the original built only the
 * snapshot half). Misses are not cached: the watch may still be about to write the entry.
 */
import type { Registry } from 'prom-client';
import { counter, gauge } from '../../metrics/define.ts';
import type { ObjectKey } from '../../model/objectKey.ts';
import type { DiffCache, Patch, RvIndexPolicy, Snapshot, SnapshotName } from '../types.ts';
import { patchKey, snapshotKey } from './keys.ts';
import { TtlLru } from './ttlLru.ts';

export interface ReadThroughOptions {
  inner: DiffCache;
  policy: RvIndexPolicy;
  patchTtlMs: number;
  snapshotTtlMs: number;
  maxBytes: number;
  registry: Registry;
}

export class ReadThroughDiffCache implements DiffCache {
  private readonly lru: TtlLru;
  private readonly penetrate;
  private readonly cardinality;

  constructor(private readonly opts: ReadThroughOptions) {
    this.lru = new TtlLru(opts.maxBytes);
    this.penetrate = counter(opts.registry, 'diff_cache_memory_wrapper_penetrate_count', 'Read-through lookups that reached the store (penetrate=true) or were served from memory.', ['penetrate', 'type']);
    this.cardinality = gauge(opts.registry, 'diff_cache_memory_wrapper_cardinality', 'Entries held by the read-through layer.', []);
  }

  private remember(key: string, value: unknown, ttlMs: number): void {
    this.lru.set(key, JSON.stringify(value), ttlMs);
    this.cardinality.set(this.lru.size);
  }

  async storePatch(key: ObjectKey, patch: Patch): Promise<void> {
    await this.opts.inner.storePatch(key, patch);
    this.remember(patchKey('', key, this.opts.policy.choose(key, patch.OldResourceVersion, patch.NewResourceVersion)), patch, this.opts.patchTtlMs);
  }

  async fetchPatch(key: ObjectKey, oldRv: string, newRv: string | undefined): Promise<Patch | undefined> {
    const k = patchKey('', key, this.opts.policy.choose(key, oldRv, newRv));
    const hit = this.lru.get(k);
    this.penetrate.inc({ penetrate: String(hit === undefined), type: 'diff' });
    if (hit !== undefined) return JSON.parse(hit) as Patch;
    const v = await this.opts.inner.fetchPatch(key, oldRv, newRv);
    if (v) this.remember(k, v, this.opts.patchTtlMs);
    return v;
  }

  async storeSnapshot(key: ObjectKey, name: SnapshotName, snapshot: Snapshot): Promise<void> {
    await this.opts.inner.storeSnapshot(key, name, snapshot);
    this.remember(snapshotKey('', key, name), snapshot, this.opts.snapshotTtlMs);
  }

  async fetchSnapshot(key: ObjectKey, name: SnapshotName): Promise<Snapshot | undefined> {
    const k = snapshotKey('', key, name);
    const hit = this.lru.get(k);
    this.penetrate.inc({ penetrate: String(hit === undefined), type: `snapshot/${name}` });
    if (hit !== undefined) return JSON.parse(hit) as Snapshot;
    const v = await this.opts.inner.fetchSnapshot(key, name);
    if (v) this.remember(k, v, this.opts.snapshotTtlMs);
    return v;
  }

  /** Not remembered: another controller may move it, and the decorator keeps its own short-lived copy. */
  storeListedSince(cluster: string, ms: number): Promise<void> {
    return this.opts.inner.storeListedSince(cluster, ms);
  }

  fetchListedSince(cluster: string): Promise<number | undefined> {
    return this.opts.inner.fetchListedSince(cluster);
  }

  list(key: ObjectKey, limit: number): Promise<string[]> {
    return this.opts.inner.list(key, limit);
  }

  close(): Promise<void> {
    return this.opts.inner.close();
  }
}
