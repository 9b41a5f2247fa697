/**
 * Two diff controllers (two watch leaders on Leases, one writer) against the real kube-apiserver and
 * etcd: stopping the writer hands writing to the other, whose buffered writes cover the gap, so every
 * update of a ConfigMap made across the hand-over still has its diff in the cache.
 */
import { Etcd3 } from 'etcd3';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { informersSection } from '../../runtime/config/sections/informers.ts';
import { EtcdDiffCache } from '../../runtime/diff/cache/etcd.ts';
import { DiffController } from '../../runtime/diff/controller.ts';
import { RvIndexPolicy } from '../../runtime/diff/types.ts';
import { createKubeClients } from '../../runtime/k8s/clients.ts';
import { Discovery } from '../../runtime/k8s/discovery.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { createTestNamespace, kubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const kube = kubeClients(env);
const logger = createLogger({ level: 'error' });
const suffix = Math.random().toString(36).slice(2, 8);
const rest = createKubeClients([{ name: cluster, kubeconfig: env.kube.kubeconfig }]).get(cluster).rest;

describe('diff controller writer failover (real kube-apiserver + etcd)', () => {
  const etcd = new Etcd3({ hosts: env.etcd.endpoint });
  const cache = new EtcdDiffCache({ client: etcd, prefix: `/difffailover-${suffix}/`, policy: new RvIndexPolicy(), patchTtlMs: 600_000, snapshotTtlMs: 600_000 });
  const election = { leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s' };
  const config = informersSection.parse({
    diffController: {
      leaderElection: { ...election, name: `dfo-watch-${suffix}` },
      writerElection: { ...election, name: `dfo-writer-${suffix}` },
    },
  }).diffController;
  const start = (identity: string) => {
    const clients = createKubeClients([{ name: cluster, kubeconfig: env.kube.kubeconfig }]);
    const registry = new Registry();
    const discovery = new Discovery(clients, logger, registry);
    const controller = new DiffController(config, { clusters: [cluster], clients, discovery, cache, logger, registry, identity });
    controller.start();
    return { identity, registry, controller, stop: async () => (await controller.stop(), discovery.stop(), clients.close()) };
  };
  const a = start(`a-${suffix}`);
  const b = start(`b-${suffix}`);
  let ns: string;
  const writer = async () => {
    for (const c of [a, b]) {
      const text = await c.registry.getSingleMetricAsString('is_leader_gauge');
      if (new RegExp(`component="diff-writer/${cluster}",leaderId="0"} 1`).test(text)) return c;
    }
    return undefined;
  };

  beforeAll(async () => {
    ns = await createTestNamespace(kube.core, 'difffo');
    await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cfg' }, data: { n: '0' } } });
    await waitFor('both controllers watching configmaps', () => a.controller.watched(cluster).includes('v1/configmaps') && b.controller.watched(cluster).includes('v1/configmaps'));
  });
  afterAll(async () => {
    await a.stop().catch(() => {});
    await b.stop().catch(() => {});
    etcd.close();
  });

  it('keeps every diff across the writer hand-over', async () => {
    const first = await waitFor('a diff writer', writer);
    const rvs: string[] = [];
    for (let i = 1; i <= 30; i++) {
      const cm = await rest.request<{ metadata: { resourceVersion: string } }>({
        method: 'PATCH',
        path: `/api/v1/namespaces/${ns}/configmaps/cfg`,
        body: { data: { n: String(i) } },
        contentType: 'application/merge-patch+json',
      });
      rvs.push(cm.metadata.resourceVersion);
      if (i === 10) await first.stop();
      await new Promise((r) => setTimeout(r, 200));
    }
    const second = await waitFor('the other controller to write', async () => {
      const w = await writer();
      return w && w !== first ? w : undefined;
    });
    expect(second).not.toBe(first);
    const key = { cluster, group: '', resource: 'configmaps', namespace: ns, name: 'cfg' };
    await waitFor('all diffs', async () => {
      for (const rv of rvs) if (!(await cache.fetchPatch(key, '', rv))) return false;
      return true;
    }, { timeoutMs: 30_000 });
    for (const [i, rv] of rvs.entries()) {
      const patch = await cache.fetchPatch(key, '', rv);
      expect(patch?.DiffList.diffs.find((d) => d.jsonPath === 'data.n'), rv).toEqual({ jsonPath: 'data.n', old: String(i), new: String(i + 1) });
    }
  });
});
