/**
 * Diff cache contract (spec 7.3–7.4): patches indexed by resourceVersion, and per-object creation /
 * deletion snapshots. JSON field names follow the original, so Go and TS writers/readers can share a store.
 */
import type { ObjectKey } from '../model/objectKey.ts';
import type { DiffList } from './compare.ts';

export interface Patch {
  /** When the watch saw the change (RFC 3339 with ms). */
  InformerTime: string;
  OldResourceVersion: string;
  NewResourceVersion: string;
  /** Contents kept out of the cache: the only diff is metadata.resourceVersion. */
  Redacted?: true;
  DiffList: DiffList;
}

export interface Snapshot {
  ResourceVersion: string;
  /** Value holds only identity and ownership metadata. */
  Redacted?: true;
  Value: Record<string, unknown>;
}

export type SnapshotName = 'creation' | 'deletion';

/** Which resourceVersion indexes a patch: the new one (default) or, for some clusters, the old one. */
export interface RvIndex {
  kind: 'newRv' | 'oldRv';
  rv: string;
}

export class NoNewRvError extends Error {
  constructor(key: string) {
    super(`NoNewRv: the audit event of ${key} has no response resourceVersion, and its cluster indexes diffs by the new one`);
    this.name = 'NoNewRvError';
  }
}

export class RvIndexPolicy {
  private readonly oldRvClusters: Set<string>;
  constructor(useOldResourceVersionClusters: string[] = []) {
    this.oldRvClusters = new Set(useOldResourceVersionClusters);
  }

  /** Spec 7.4 ChooseResourceVersion. Throws NoNewRvError when the new RV is needed and unknown. */
  choose(key: ObjectKey, oldRv: string, newRv: string | undefined): RvIndex {
    if (this.oldRvClusters.has(key.cluster)) return { kind: 'oldRv', rv: oldRv };
    if (!newRv) throw new NoNewRvError(`${key.cluster}/${key.group}/${key.resource}/${key.namespace}/${key.name}`);
    return { kind: 'newRv', rv: newRv };
  }
}

export interface DiffCache {
  /** Stores under the index the policy chooses for (OldResourceVersion, NewResourceVersion). */
  storePatch(key: ObjectKey, patch: Patch): Promise<void>;
  fetchPatch(key: ObjectKey, oldRv: string, newRv: string | undefined): Promise<Patch | undefined>;
  storeSnapshot(key: ObjectKey, name: SnapshotName, snapshot: Snapshot): Promise<void>;
  fetchSnapshot(key: ObjectKey, name: SnapshotName): Promise<Snapshot | undefined>;
  /**
   * Marks that the diff controller's first complete list of `cluster` finished at `ms` (epoch): a change
   * before it was never watched, so its diff will not come. Kept until overwritten (no TTL).
   */
  storeListedSince(cluster: string, ms: number): Promise<void>;
  /** The marker of `cluster`, or undefined while no diff controller has completed a list of it. */
  fetchListedSince(cluster: string): Promise<number | undefined>;
  /** Index entries of an object (`<rv>` and snapshot names), newest first by key order; for debugging. */
  list(key: ObjectKey, limit: number): Promise<string[]>;
  close(): Promise<void>;
}
