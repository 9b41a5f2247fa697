/** Metrics around any diff cache (spec 7.5 "mux metrics"): counts, latency, found/error. */
import type { Registry } from 'prom-client';
import { cacheErrorClock } from '../../metrics/cacheErrors.ts';
import { counter, histogram } from '../../metrics/define.ts';
import type { ObjectKey } from '../../model/objectKey.ts';
import type { DiffCache, Patch, Snapshot, SnapshotName } from '../types.ts';

export class InstrumentedDiffCache implements DiffCache {
  private readonly latency;
  private readonly ops;
  private readonly failed: () => void;

  constructor(
    private readonly inner: DiffCache,
    registry: Registry,
    private readonly backend: string,
  ) {
    this.latency = histogram(registry, 'diff_cache_op_seconds', 'Diff cache operation latency.', ['backend', 'op']);
    this.ops = counter(registry, 'diff_cache_op_count', 'Diff cache operations by outcome (found: true|false|n/a, error: true|false).', ['backend', 'op', 'found', 'error', 'redacted']);
    this.failed = cacheErrorClock(registry, 'diff');
  }

  private async time<T>(op: string, redacted: string, fn: () => Promise<T>): Promise<T> {
    const end = this.latency.startTimer({ backend: this.backend, op });
    try {
      const v = await fn();
      const found = op.startsWith('fetch') ? String(v !== undefined) : 'n/a';
      this.ops.inc({ backend: this.backend, op, found, error: 'false', redacted });
      return v;
    } catch (err) {
      this.ops.inc({ backend: this.backend, op, found: 'n/a', error: 'true', redacted });
      this.failed();
      throw err;
    } finally {
      end();
    }
  }

  storePatch(key: ObjectKey, patch: Patch): Promise<void> {
    return this.time('store', String(!!patch.Redacted), () => this.inner.storePatch(key, patch));
  }
  fetchPatch(key: ObjectKey, oldRv: string, newRv: string | undefined): Promise<Patch | undefined> {
    return this.time('fetch', 'n/a', () => this.inner.fetchPatch(key, oldRv, newRv));
  }
  storeSnapshot(key: ObjectKey, name: SnapshotName, snapshot: Snapshot): Promise<void> {
    return this.time('store_snapshot', String(!!snapshot.Redacted), () => this.inner.storeSnapshot(key, name, snapshot));
  }
  fetchSnapshot(key: ObjectKey, name: SnapshotName): Promise<Snapshot | undefined> {
    return this.time('fetch_snapshot', 'n/a', () => this.inner.fetchSnapshot(key, name));
  }
  storeListedSince(cluster: string, ms: number): Promise<void> {
    return this.time('store_listed_since', 'n/a', () => this.inner.storeListedSince(cluster, ms));
  }
  fetchListedSince(cluster: string): Promise<number | undefined> {
    return this.time('fetch_listed_since', 'n/a', () => this.inner.fetchListedSince(cluster));
  }
  list(key: ObjectKey, limit: number): Promise<string[]> {
    return this.time('list', 'n/a', () => this.inner.list(key, limit));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
