/**
 * `npm run bench -- diff [--objects 2000,10000] [--churn-seconds 20] [--concurrency 16] [--backends etcd,redis] [--reuse-env]
 *  [--peer upstream [--rounds 1]]`
 *
 * The diff controller against the real environment (kube-apiserver on etcd, kwok, etcd, Redis; a
 * running `npm run env -- up` is reused with --reuse-env, otherwise one is started and stopped). For each N:
 * N ConfigMaps are created (cheap objects), the controller lists and watches them, then they are
 * updated at random for a while ("churn"). Reported per N:
 *  - retained memory per watched object: heap (and RSS) with the controller synced minus after it
 *    stopped, after forced GCs, divided by the objects it tracked (RSS is noisy: V8 keeps freed pages);
 *    and the whole process's RSS with the controller synced;
 *  - diffs/s written during churn, and diff-cache write latency p50/p99 per backend.
 * With --peer upstream, instead: this project's controller and the original Kelemetry's, each in a server process
 * of its own with equivalent settings, alternating on the same objects (diff/peer.ts).
 * Figures depend on the machine (2 shared cores here); the apiserver is usually the limit for diffs/s.
 */
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import { EtcdDiffCache } from '../../runtime/diff/cache/etcd.ts';
import { RedisDiffCache } from '../../runtime/diff/cache/redis.ts';
import { RvIndexPolicy, type DiffCache } from '../../runtime/diff/types.ts';
import { createKubeClients, type KubeClients } from '../../runtime/k8s/clients.ts';
import { readState, startEnvironment, type EnvironmentInfo } from '../../envtest/environment.ts';
import { stderrLogger } from '../../envtest/log.ts';
import { ensureConfigMaps, storedSize } from './diff/configMaps.ts';
import { runOnce, type RunResult } from './diff/measure.ts';
import { parseOptions, reproduce, type Options } from './diff/options.ts';
import { runPeer } from './diff/peer.ts';
import { peerTable } from './diff/peerReport.ts';
import { resultTable } from './diff/report.ts';

export { usage } from './diff/options.ts';

/** The environment to measure against, and how to let go of it. */
async function environment(reuse: boolean): Promise<{ env: EnvironmentInfo; release(): Promise<void> }> {
  // Reuse a running `npm run env -- up` only when asked: it may belong to someone else's session.
  const running = reuse ? readState() : undefined;
  if (running) return { env: running, release: async () => {} };
  const owned = await startEnvironment({ log: stderrLogger });
  // Interrupted runs must not leave the servers behind.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void owned.stop().finally(() => process.exit(130));
    });
  }
  return { env: owned.info, release: () => owned.stop() };
}

interface Stores {
  etcd: Etcd3;
  redis: Redis;
}

function diffCache(backend: string, stores: Stores): DiffCache {
  const common = { prefix: `/bench-diff/${Date.now()}/`, policy: new RvIndexPolicy(), patchTtlMs: 120_000, snapshotTtlMs: 120_000 };
  return backend === 'etcd' ? new EtcdDiffCache({ client: stores.etcd, ...common }) : new RedisDiffCache({ client: stores.redis, ...common });
}

async function measureAll(opts: Options, clients: KubeClients, cluster: string, stores: Stores): Promise<RunResult[]> {
  const rest = clients.get(cluster).rest;
  const results: RunResult[] = [];
  for (const n of opts.sizes) {
    const ns = `bench-diff-${n}`;
    await ensureConfigMaps(rest, ns, n);
    console.error(`  a ConfigMap as stored by the controller (managedFields dropped): ~${await storedSize(rest, ns)} bytes of JSON`);
    for (const backend of opts.backends) {
      console.error(`  N=${n} backend=${backend}: listing, then ${opts.churnSeconds} s of churn`);
      const r = await runOnce({ clients, cluster, ns, n, backend, cache: diffCache(backend, stores), churnSeconds: opts.churnSeconds, concurrency: opts.concurrency, rate: opts.rate });
      results.push(r);
      console.error(`  -> ${JSON.stringify(r)}`);
    }
  }
  return results;
}

export async function main(args: string[]): Promise<void> {
  const opts = parseOptions(args);
  const { env, release } = await environment(opts.reuseEnv);
  const cluster = env.kube.clusterName;
  const clients = createKubeClients([{ name: cluster, kubeconfig: env.kube.kubeconfig }]);
  const stores: Stores = { etcd: new Etcd3({ hosts: env.etcd.endpoint }), redis: new Redis({ host: env.redis.host, port: env.redis.port }) };
  let table: string;
  try {
    if (opts.peer) table = peerTable(await runPeer(opts, env, clients.get(cluster).rest, stores.etcd), opts.sizes);
    else table = resultTable(await measureAll(opts, clients, cluster, stores));
  } finally {
    clients.close();
    stores.etcd.close();
    stores.redis.disconnect();
    await release();
  }
  console.log(`\n${table}`);
  console.log(`\nreproduce: ${reproduce(opts)}`);
}
