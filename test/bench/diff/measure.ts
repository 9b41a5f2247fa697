/**
 * One measurement: a diff controller over N ConfigMaps with one cache backend. Memory per object is the
 * heap (and RSS) with the controller synced minus after it stopped, after forced GCs, over the objects it
 * tracked; diffs/s and write latency come from the churn that follows the initial list.
 */
import { Registry } from 'prom-client';
import { informersSection } from '../../../runtime/config/sections/informers.ts';
import { DiffController } from '../../../runtime/diff/controller.ts';
import type { DiffCache } from '../../../runtime/diff/types.ts';
import type { KubeClients } from '../../../runtime/k8s/clients.ts';
import { Discovery } from '../../../runtime/k8s/discovery.ts';
import { createLogger } from '../../../runtime/util/log.ts';
import { sleep } from '../../../runtime/util/sleep.ts';
import { retainedMemory } from '../common/resources.ts';
import { ascending, percentile } from '../common/stats.ts';
import { settle } from '../common/settle.ts';
import { churn } from './configMaps.ts';
import { TimedCache } from './timedCache.ts';

export interface RunResult {
  backend: string;
  n: number;
  listSeconds: number;
  tracked: number;
  processRss: number;
  rssPerObject: number;
  heapPerObject: number;
  updates: number;
  diffsPerSecond: number;
  p50: number;
  p99: number;
  writes: number;
}

export interface Run {
  clients: KubeClients;
  cluster: string;
  ns: string;
  n: number;
  backend: string;
  cache: DiffCache;
  churnSeconds: number;
  concurrency: number;
  rate?: number | undefined;
}

/** Polls each second until the initial LIST of every resource is done (tracked ≥ N and stopped growing). */
async function waitSynced(controller: DiffController, n: number): Promise<void> {
  for (let last = -1; ; ) {
    await sleep(1000);
    const now = controller.trackedObjects();
    if (now >= n && now === last) return;
    last = now;
  }
}

function controllerConfig() {
  return informersSection.parse({
    diffController: {
      enabled: true,
      leaderElection: { enabled: false, numLeaders: 1 },
      writerElection: { enabled: false },
    },
  }).diffController;
}

export async function runOnce(run: Run): Promise<RunResult> {
  const { clients, cluster, n } = run;
  const logger = createLogger({ level: 'warn' });
  const registry = new Registry();
  const timed = new TimedCache(run.cache);
  const discovery = new Discovery(clients, logger, registry);
  // Warm up what outlives the controller (discovery, TLS agent), so the memory delta is the object store.
  await discovery.for(cluster).resources();
  const t0 = Date.now();
  const controller = new DiffController(controllerConfig(), { clusters: [cluster], clients, discovery, cache: timed, logger, registry });
  controller.start();
  await waitSynced(controller, n);
  const listSeconds = (Date.now() - t0) / 1000 - 1;
  timed.reset();

  const tChurn = Date.now();
  const updates = await churn(clients.get(cluster).rest, run.ns, n, run.churnSeconds, run.concurrency, run.rate);
  // Let the controller drain what the watch still delivers (until all arrived or 3 s without progress).
  await settle({ done: () => timed.patches >= updates, progress: () => timed.patches, idleMs: 3000, pollMs: 3000 });
  const elapsed = (timed.lastPatchAt - tChurn) / 1000;

  const tracked = controller.trackedObjects();
  const withStore = retainedMemory();
  const peakRss = Math.max(withStore.rss, process.memoryUsage().rss);
  await controller.stop();
  const without = retainedMemory();
  discovery.stop();
  const sorted = ascending(timed.latencies);
  return {
    backend: run.backend,
    n,
    listSeconds,
    tracked,
    processRss: peakRss,
    rssPerObject: (withStore.rss - without.rss) / tracked,
    heapPerObject: (withStore.heap - without.heap) / tracked,
    updates,
    diffsPerSecond: timed.patches / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    writes: sorted.length,
  };
}
