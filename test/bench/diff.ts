/**
 * `npm run bench -- diff [--objects 2000,10000] [--churn-seconds 20] [--concurrency 16] [--backends etcd,redis] [--reuse-env]`
 *
 * The diff controller against the real environment (kube-apiserver on etcd, kwok, etcd, Redis; an
 * running `npm run env -- up` is reused with --reuse-env, otherwise one is started and stopped). For each N:
 * N ConfigMaps are created (cheap objects), the controller lists and watches them, then they are
 * updated at random for a while ("churn"). Reported per N:
 *  - retained memory per watched object: heap (and RSS) with the controller synced minus after it
 *    stopped, after forced GCs, divided by the objects it tracked (RSS is noisy: V8 keeps freed pages);
 *    and the whole process's RSS with the controller synced;
 *  - diffs/s written during churn, and diff-cache write latency p50/p99 per backend.
 * Figures depend on the machine (2 shared cores here); the apiserver is usually the limit for diffs/s.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { informersSection } from '../../runtime/config/sections/informers.ts';
import { EtcdDiffCache } from '../../runtime/diff/cache/etcd.ts';
import { RedisDiffCache } from '../../runtime/diff/cache/redis.ts';
import { DiffController } from '../../runtime/diff/controller.ts';
import { RvIndexPolicy, type DiffCache, type Patch, type Snapshot, type SnapshotName } from '../../runtime/diff/types.ts';
import { createKubeClients, type KubeClients } from '../../runtime/k8s/clients.ts';
import { Discovery } from '../../runtime/k8s/discovery.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import type { ObjectKey } from '../../runtime/model/objectKey.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { readState, startEnvironment, type Environment, type EnvironmentInfo } from '../../envtest/environment.ts';
import { stderrLogger } from '../../envtest/log.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

/** Records write latencies of the wrapped cache, and counts patch writes. */
class TimedCache implements DiffCache {
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
  list(key: ObjectKey, limit: number) {
    return this.inner.list(key, limit);
  }
  close() {
    return this.inner.close();
  }
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function parallel(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

function memory() {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

async function ensureConfigMaps(rest: KubeRest, ns: string, n: number, concurrency: number): Promise<void> {
  await rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } }).catch((err: unknown) => {
    if (!String(err).includes('AlreadyExists')) throw err;
  });
  const existing = await rest.request<{ items: unknown[] }>({ path: `/api/v1/namespaces/${ns}/configmaps`, query: { labelSelector: 'bench=diff' } });
  const have = existing.items.length;
  const t0 = Date.now();
  await parallel(Math.max(0, n - have), concurrency, async (i) => {
    const idx = have + i;
    await rest.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: { metadata: { name: `cm-${idx}`, labels: { bench: 'diff' } }, data: { index: String(idx), payload: 'x'.repeat(200), counter: '0' } },
    });
  });
  console.error(`  ${ns}: ${n - have} ConfigMaps created in ${((Date.now() - t0) / 1000).toFixed(1)} s (had ${have})`);
}

interface RunResult {
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

async function runOnce(env: EnvironmentInfo, clients: KubeClients, backend: string, cache: DiffCache, ns: string, n: number, churnSeconds: number, concurrency: number): Promise<RunResult> {
  const cluster = env.kube.clusterName;
  const rest = clients.get(cluster).rest;
  const logger = createLogger({ level: 'warn' });
  const registry = new Registry();
  const timed = new TimedCache(cache);
  const config = informersSection.parse({
    diffController: {
      enabled: true,
      leaderElection: { enabled: false, numLeaders: 1 },
      writerElection: { enabled: false },
    },
  }).diffController;
  const discovery = new Discovery(clients, logger, registry);
  // Warm up what outlives the controller (discovery, TLS agent), so the memory delta is the object store.
  await discovery.for(cluster).resources();
  const t0 = Date.now();
  const controller = new DiffController(config, { clusters: [cluster], clients, discovery, cache: timed, logger, registry });
  controller.start();
  // Wait for the initial LIST of every resource (tracked count stops growing and covers N).
  let last = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = controller.trackedObjects();
    if (now >= n && now === last) break;
    last = now;
  }
  const listSeconds = (Date.now() - t0) / 1000 - 1;
  timed.latencies = [];
  timed.patches = 0;

  let updates = 0;
  const churnEnd = Date.now() + churnSeconds * 1000;
  const tChurn = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < churnEnd) {
        const i = Math.floor(Math.random() * n);
        await rest.request({ method: 'PATCH', path: `/api/v1/namespaces/${ns}/configmaps/cm-${i}`, body: { data: { counter: String(Date.now()) } }, contentType: 'application/merge-patch+json' });
        updates++;
      }
    }),
  );
  // Let the controller drain what the watch still delivers (until all arrived or 3 s without progress).
  for (let seen = -1; timed.patches < updates && timed.patches !== seen; ) {
    seen = timed.patches;
    await new Promise((r) => setTimeout(r, 3000));
  }
  const elapsed = (timed.lastPatchAt - tChurn) / 1000;
  // Memory held by the controller = with it synced minus after it stopped (same process, forced GC).
  const tracked = controller.trackedObjects();
  const withStore = memory();
  const peakRss = Math.max(withStore.rss, process.memoryUsage().rss);
  await controller.stop();
  const without = memory();
  discovery.stop();
  const sorted = [...timed.latencies].sort((a, b) => a - b);
  return {
    backend,
    n,
    listSeconds,
    tracked,
    processRss: peakRss,
    rssPerObject: (withStore.rss - without.rss) / tracked,
    heapPerObject: (withStore.heap - without.heap) / tracked,
    updates,
    diffsPerSecond: timed.patches / elapsed,
    p50: pct(sorted, 50),
    p99: pct(sorted, 99),
    writes: sorted.length,
  };
}

export async function main(args: string[]): Promise<void> {
  const sizes = option(args, '--objects', '2000,10000').split(',').map(Number);
  const churnSeconds = Number(option(args, '--churn-seconds', '20'));
  const concurrency = Number(option(args, '--concurrency', '16'));
  const backends = option(args, '--backends', 'etcd,redis').split(',');
  let owned: Environment | undefined;
  // Reuse a running `npm run env -- up` only when asked: it may belong to someone else's session.
  let env = args.includes('--reuse-env') ? readState() : undefined;
  if (!env) {
    owned = await startEnvironment({ log: stderrLogger });
    env = owned.info;
    // Interrupted runs must not leave the servers behind.
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        void owned!.stop().finally(() => process.exit(130));
      });
    }
  }
  const clients = createKubeClients([{ name: env.kube.clusterName, kubeconfig: env.kube.kubeconfig }]);
  const etcd = new Etcd3({ hosts: env.etcd.endpoint });
  const redis = new Redis({ host: env.redis.host, port: env.redis.port });
  const results: RunResult[] = [];
  try {
    for (const n of sizes) {
      const ns = `bench-diff-${n}`;
      await ensureConfigMaps(clients.get(env.kube.clusterName).rest, ns, n, 32);
      const sample = await clients.get(env.kube.clusterName).rest.request<{ items: Array<{ metadata: Record<string, unknown> }> }>({ path: `/api/v1/namespaces/${ns}/configmaps`, query: { limit: 50 } });
      const sizes = sample.items.map((it) => {
        delete it.metadata.managedFields;
        return JSON.stringify(it).length;
      });
      console.error(`  a ConfigMap as stored by the controller (managedFields dropped): ~${Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length)} bytes of JSON`);
      for (const backend of backends) {
        const prefix = `/bench-diff/${Date.now()}/`;
        const policy = new RvIndexPolicy();
        const cache: DiffCache =
          backend === 'etcd'
            ? new EtcdDiffCache({ client: etcd, prefix, policy, patchTtlMs: 120_000, snapshotTtlMs: 120_000 })
            : new RedisDiffCache({ client: redis, prefix, policy, patchTtlMs: 120_000, snapshotTtlMs: 120_000 });
        console.error(`  N=${n} backend=${backend}: listing, then ${churnSeconds} s of churn`);
        const r = await runOnce(env, clients, backend, cache, ns, n, churnSeconds, concurrency);
        results.push(r);
        console.error(`  -> ${JSON.stringify(r)}`);
      }
    }
  } finally {
    clients.close();
    etcd.close();
    redis.disconnect();
    await owned?.stop();
  }
  console.log('\n| N ConfigMaps | objects watched | backend | initial list (s) | heap / object | RSS / object | process RSS | updates | diffs/s | write p50 (ms) | write p99 (ms) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.n} | ${r.tracked} | ${r.backend} | ${r.listSeconds.toFixed(1)} | ${(r.heapPerObject / 1024).toFixed(2)} KiB | ${(r.rssPerObject / 1024).toFixed(2)} KiB | ${(r.processRss / 1048576).toFixed(0)} MiB | ${r.updates} | ${r.diffsPerSecond.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`,
    );
  }
  console.log(`\nreproduce: npm run bench -- diff --objects ${sizes.join(',')} --churn-seconds ${churnSeconds} --concurrency ${concurrency} --backends ${backends.join(',')}`);
}
