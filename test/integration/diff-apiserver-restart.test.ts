/**
 * The diff controller through a kube-apiserver restart (real servers; an environment of its own, since its
 * apiserver goes down): two controllers (two watch leaders on Leases, one writer) keep their watches while
 * the apiserver is away longer than the renew deadline, so every ConfigMap patch served after it is back
 * has its diff in the cache. They used to step down, drop their watches and take a new first list, and
 * the patches made before that list had no diff.
 */
import { Etcd3 } from 'etcd3';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnvironment, type Environment } from '../../envtest/environment.ts';
import { informersSection } from '../../runtime/config/sections/informers.ts';
import { EtcdDiffCache } from '../../runtime/diff/cache/etcd.ts';
import { DiffController } from '../../runtime/diff/controller.ts';
import { RvIndexPolicy } from '../../runtime/diff/types.ts';
import { createKubeClients } from '../../runtime/k8s/clients.ts';
import { Discovery } from '../../runtime/k8s/discovery.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { sleep } from '../../runtime/util/sleep.ts';
import { restartServer } from '../faults/restart.ts';
import { waitFor } from './helpers/wait.ts';

const cluster = 'diffrestart';
const logger = createLogger({ level: 'error' });
const suffix = Math.random().toString(36).slice(2, 8);
const ns = `diffrestart-${suffix}`;
// Short leases: the apiserver is away for longer than renewDeadline.
const election = { leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s' };

interface Served {
  rv: string;
  atMs: number;
  n: number;
}

/**
 * Patches ConfigMap `cfg` every 200 ms until stopped (a failed patch, the apiserver away, is skipped); the
 * patches served. The first 10 after an outage go back to back, as writers catching up do (the fault suite's
 * do): they land before any watch is back, and each must still get its own diff.
 */
function patchLoop(rest: KubeRest): { served: Served[]; stop: () => Promise<void> } {
  const served: Served[] = [];
  const abort = new AbortController();
  const loop = (async () => {
    let failed = false;
    let catchUp = 0;
    for (let n = 1; !abort.signal.aborted; n++) {
      try {
        const cm = await rest.request<{ metadata: { resourceVersion: string } }>({
          method: 'PATCH',
          path: `/api/v1/namespaces/${ns}/configmaps/cfg`,
          body: { data: { n: String(n) } },
          contentType: 'application/merge-patch+json',
          signal: AbortSignal.timeout(5_000),
        });
        served.push({ rv: cm.metadata.resourceVersion, atMs: Date.now(), n });
        if (failed) catchUp = 10;
        failed = false;
      } catch {
        // The apiserver is away: this value is never served.
        failed = true;
      }
      if (catchUp > 0) catchUp--;
      else await sleep(200, abort.signal);
    }
  })();
  return { served, stop: async () => (abort.abort(), await loop) };
}

describe('diff controller through a kube-apiserver restart (real kube-apiserver + etcd)', () => {
  let env: Environment;
  let etcd: Etcd3;
  let cache: EtcdDiffCache;
  let rest: KubeRest;
  const stops: Array<() => Promise<void>> = [];

  const start = (identity: string): void => {
    const config = informersSection.parse({
      diffController: { leaderElection: { ...election, name: `drs-watch-${suffix}` }, writerElection: { ...election, name: `drs-writer-${suffix}` } },
    }).diffController;
    const clients = createKubeClients([{ name: cluster, kubeconfig: env.info.kube.kubeconfig }]);
    const registry = new Registry();
    const discovery = new Discovery(clients, logger, registry);
    const controller = new DiffController(config, { clusters: [cluster], clients, discovery, cache, logger, registry, identity });
    controller.start();
    stops.push(async () => (await controller.stop(), discovery.stop(), clients.close()));
    watching.push(() => controller.watched(cluster).includes('v1/configmaps') && controller.ready());
  };
  const watching: Array<() => boolean> = [];

  beforeAll(async () => {
    env = await startEnvironment({ clusterName: cluster, log: () => {} });
    etcd = new Etcd3({ hosts: env.info.etcd.endpoint });
    cache = new EtcdDiffCache({ client: etcd, prefix: `/diffrestart-${suffix}/`, policy: new RvIndexPolicy(), patchTtlMs: 600_000, snapshotTtlMs: 600_000 });
    rest = createKubeClients([{ name: cluster, kubeconfig: env.info.kube.kubeconfig }]).get(cluster).rest;
    await rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    await rest.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: { metadata: { name: 'cfg' }, data: { n: '0' } } });
    start(`a-${suffix}`);
    start(`b-${suffix}`);
    await waitFor('both controllers watching configmaps', () => watching.every((w) => w()));
  }, 180_000);

  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => {});
    etcd?.close();
    rest?.close();
    await env?.stop();
  }, 60_000);

  it('has the diff of every patch served after the apiserver is back', async () => {
    const patches = patchLoop(rest);
    await sleep(2_000);
    const ready = async () => (await rest.request({ path: '/api/v1/namespaces/default', signal: AbortSignal.timeout(2000) }), true);
    const downStarted = Date.now();
    await restartServer(env.info, 'kube-apiserver', { signal: 'SIGTERM', downMs: 4_000, ready, readyTimeoutMs: 90_000 });
    const backMs = Date.now();
    // The controllers' leases went unrenewed for longer than renewDeadline (3 s).
    expect(backMs - downStarted).toBeGreaterThan(4_000);
    await sleep(8_000);
    await patches.stop();
    const after = patches.served.filter((p) => p.atMs > backMs);
    expect(after.length).toBeGreaterThan(20);
    const key = { cluster, group: '', resource: 'configmaps', namespace: ns, name: 'cfg' };
    const missing = async () => {
      const out: Served[] = [];
      for (const p of after) if (!(await cache.fetchPatch(key, '', p.rv))) out.push(p);
      return out;
    };
    await waitFor('every diff', async () => (await missing()).length === 0, { timeoutMs: 20_000 }).catch(() => undefined);
    expect((await missing()).map((p) => `${p.n}@${p.rv} +${p.atMs - backMs} ms`)).toEqual([]);
    // Each is the diff of its own patch (n-1 → n), not a diff across several.
    for (const [i, p] of after.entries()) {
      if (i === 0) continue;
      const patch = await cache.fetchPatch(key, '', p.rv);
      expect(patch?.DiffList.diffs.find((d) => d.jsonPath === 'data.n'), p.rv).toEqual({ jsonPath: 'data.n', old: String(after[i - 1]!.n), new: String(p.n) });
    }
  }, 240_000);
});
