/**
 * What the informers wrote: event spans of a run in Jaeger (service `event`, tag `faultRun=<run>`), counted
 * per Event (its reason `E<n>` is unique to the run), and the diff cache's patches for the ConfigMap changes.
 */
import { Etcd3 } from 'etcd3';
import { EtcdDiffCache } from '../../runtime/diff/cache/etcd.ts';
import { RvIndexPolicy } from '../../runtime/diff/types.ts';
import { sleep } from '../../runtime/util/sleep.ts';
import { TraceReaderClient } from '../integration/audit-traces.ts';
import type { Change } from './kubeActivity.ts';

export interface EventCount {
  created: number;
  found: number;
  /** Created Events with no span. */
  missing: string[];
  /** Spans beyond the first of one Event. */
  repeated: number;
}

/** The informers trace every Event of the cluster: only those of the run's namespace count. */
export async function countEvents(remoteStorage: string, run: string, namespace: string, created: ReadonlyMap<string, Change>, fromMs: number): Promise<EventCount> {
  const reader = new TraceReaderClient(remoteStorage);
  try {
    const traces = await reader.findTraces('event', { faultRun: run }, fromMs - 60_000, Date.now() + 60_000, 1000);
    const spans = new Map<string, number>();
    for (const trace of traces.values()) {
      for (const s of trace) if (s.service === 'event' && s.attrs.faultRun === run && s.attrs.namespace === namespace) spans.set(s.name, (spans.get(s.name) ?? 0) + 1);
    }
    const missing = [...created.keys()].filter((reason) => !spans.has(reason));
    const repeated = [...spans.values()].reduce((n, c) => n + c - 1, 0);
    return { created: created.size, found: [...spans.values()].reduce((n, c) => n + c, 0), missing, repeated };
  } finally {
    reader.close();
  }
}

/** Counts until nothing is missing or `timeoutMs` passed; then waits `quietMs` more for a late repeat. */
export async function settleEvents(remoteStorage: string, run: string, namespace: string, created: ReadonlyMap<string, Change>, fromMs: number, timeoutMs = 60_000, quietMs = 3_000): Promise<EventCount> {
  const deadline = Date.now() + timeoutMs;
  while ((await countEvents(remoteStorage, run, namespace, created, fromMs)).missing.length && Date.now() < deadline) await sleep(1000);
  await sleep(quietMs);
  return countEvents(remoteStorage, run, namespace, created, fromMs);
}

/** Patches (by ConfigMap and resourceVersion) whose diff is not in the diff cache. */
export async function missingDiffs<P extends { name: string; rv: string }>(etcdEndpoint: string, prefix: string, cluster: string, namespace: string, patches: readonly P[]): Promise<P[]> {
  const client = new Etcd3({ hosts: etcdEndpoint });
  try {
    const cache = new EtcdDiffCache({ client, prefix, policy: new RvIndexPolicy(), patchTtlMs: 600_000, snapshotTtlMs: 600_000 });
    const missing: P[] = [];
    for (const p of patches) {
      const found = await cache.fetchPatch({ cluster, group: '', resource: 'configmaps', namespace, name: p.name }, '', p.rv).catch(() => undefined);
      if (!found) missing.push(p);
    }
    return missing;
  } finally {
    client.close();
  }
}
