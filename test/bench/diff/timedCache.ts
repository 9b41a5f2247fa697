import type { DiffCache, Patch, Snapshot, SnapshotName } from '../../../runtime/diff/types.ts';
import type { ObjectKey } from '../../../runtime/model/objectKey.ts';

/** Records write latencies of the wrapped cache, and counts patch writes. */
export class TimedCache implements DiffCache {
  latencies: number[] = [];
  patches = 0;
  lastPatchAt = 0;
  snapshots = 0;
  constructor(private readonly inner: DiffCache) {}
  private async timed(fn: () => Promise<void>): Promise<void> {
    const t = performance.now();
    await fn();
    this.latencies.push(performance.now() - t);
  }
  storePatch(key: ObjectKey, patch: Patch) {
    return this.timed(() => this.inner.storePatch(key, patch)).then(() => {
      this.patches++;
      this.lastPatchAt = Date.now();
    });
  }
  storeSnapshot(key: ObjectKey, name: SnapshotName, s: Snapshot) {
    this.snapshots++;
    return this.timed(() => this.inner.storeSnapshot(key, name, s));
  }
  fetchPatch(key: ObjectKey, o: string, n: string | undefined) {
    return this.inner.fetchPatch(key, o, n);
  }
  fetchSnapshot(key: ObjectKey, name: SnapshotName) {
    return this.inner.fetchSnapshot(key, name);
  }
  storeListedSince(cluster: string, ms: number) {
    return this.inner.storeListedSince(cluster, ms);
  }
  fetchListedSince(cluster: string) {
    return this.inner.fetchListedSince(cluster);
  }
  list(key: ObjectKey, limit: number) {
    return this.inner.list(key, limit);
  }
  close() {
    return this.inner.close();
  }
  /** Starts counting afresh (after the initial list). */
  reset(): void {
    this.latencies = [];
    this.patches = 0;
  }
}
