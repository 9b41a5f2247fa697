/**
 * One consumer for two clusters' audit webhooks (real kube-apiservers): a second cluster (envtest/cluster.ts,
 * its own apiserver on the environment's etcd) posts to the same receiver port as the environment's own, each
 * at /audit/<its name>. The consumer, rendered by the operator's runtime config for an instance listing both
 * clusters, puts each cluster's objects into that cluster's traces, even objects of the same namespace and name.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningApp } from '../../app/app.ts';
import { startCluster, type StartedCluster } from '../../envtest/cluster.ts';
import { silentLogger } from '../../envtest/log.ts';
import { windowStartMs } from '../../runtime/model/window.ts';
import { TraceReaderClient, type StoredSpan } from './audit-traces.ts';
import { startRole, type InstanceOptions } from './helpers/instances.ts';
import { kubeClients, type KubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const A = env.kube.clusterName;
const B = `${A}-b`;
const suffix = randomBytes(3).toString('hex');
const ns = `mc-consumer-${suffix}`;
const startedMs = Date.now();
let second: StartedCluster;
let consumer: RunningApp;
let reader: TraceReaderClient;
const kube: Record<string, KubeClients> = {};

beforeAll(async () => {
  second = await startCluster(env, { name: B, auditReceiverPort: env.auditReceiverPort, log: silentLogger });
  kube[A] = kubeClients(env);
  kube[B] = kubeClients({ kube: second.info.kube, binaries: env.binaries });
  const instance: InstanceOptions = {
    name: `kel-${suffix}`,
    namespace: ns,
    clusters: [
      { name: A, kubeconfig: env.kube.kubeconfig },
      { name: B, kubeconfig: second.info.kube.kubeconfig },
    ],
    currentCluster: A,
    cachePrefix: `/mc-consumer-${suffix}`,
    auditPort: env.auditReceiverPort,
  };
  consumer = await startRole(env, instance, 'consumer');
  reader = new TraceReaderClient(env.jaeger.storage.remoteStorage);
}, 150_000);

afterAll(async () => {
  reader?.close();
  await consumer?.stop();
  await second?.stop();
});

/** The raw object traces of a ConfigMap in one cluster. */
function configMapTraces(cluster: string, name: string): Promise<Map<string, StoredSpan[]>> {
  return reader.findTraces('object', { cluster, resource: 'configmaps', namespace: ns, name }, windowStartMs(startedMs) - 60_000, Date.now() + 60_000);
}

describe('one consumer serving two clusters (cluster from the webhook path /audit/<cluster>)', () => {
  it('the second cluster is a cluster of its own, posting to /audit/<its name> on the shared receiver port', async () => {
    expect(second.info.kube.apiserverUrl).not.toBe(env.kube.apiserverUrl);
    expect(second.info.kube.auditWebhook.url).toBe(`http://127.0.0.1:${env.auditReceiverPort}/audit/${B}`);
    await kube[B]!.core.createNamespace({ body: { metadata: { name: ns } } });
    await expect(kube[A]!.core.readNamespace({ name: ns })).rejects.toThrow(/404|not found/i);
    await kube[A]!.core.createNamespace({ body: { metadata: { name: ns } } });
  });

  it("each cluster's objects land in that cluster's traces, same namespace and name or not", async () => {
    for (const cluster of [A, B]) {
      await kube[cluster]!.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'shared', labels: { from: cluster } }, data: { from: cluster } } });
      await kube[cluster]!.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `only-${cluster}` } } });
      await kube[cluster]!.kubectl('-n', ns, 'label', 'configmap', 'shared', `touched-in=${cluster}`);
    }
    const found: Record<string, Map<string, StoredSpan[]>> = {};
    // No informers run here, so the consumer's diff decorator waits its fetch timeout (10 s) for each span.
    for (const cluster of [A, B]) {
      found[cluster] = await waitFor(`the create and patch spans of configmaps/shared in ${cluster}`, async () => {
        const traces = await configMapTraces(cluster, 'shared');
        const names = [...traces.values()].flat().map((s) => s.name);
        return names.some((n) => n.endsWith(' create')) && names.some((n) => n.endsWith(' patch')) ? traces : undefined;
      }, { timeoutMs: 30_000, intervalMs: 500 });
    }
    const ids = (cluster: string) => [...found[cluster]!.keys()];
    expect(ids(A).filter((id) => ids(B).includes(id)), 'a trace shared by both clusters').toEqual([]);
    for (const cluster of [A, B]) {
      const spans = [...found[cluster]!.values()].flat();
      // Every object span of the trace is the cluster's own; its audit spans came through its own webhook path.
      expect(new Set(spans.filter((s) => s.attrs.cluster !== undefined).map((s) => s.attrs.cluster)), cluster).toEqual(new Set([cluster]));
      const patches = spans.filter((s) => s.name.endsWith(' patch'));
      expect(patches.length, `${cluster}: one label patch`).toBe(1);
    }
    // An object that exists in one cluster only has a trace there and none in the other.
    await waitFor(`configmaps/only-${B} in ${B}`, async () => (await configMapTraces(B, `only-${B}`)).size > 0, { timeoutMs: 30_000, intervalMs: 500 });
    expect((await configMapTraces(A, `only-${B}`)).size).toBe(0);
    expect((await configMapTraces(B, `only-${A}`)).size).toBe(0);
  });

  it('counts accepted webhook requests per cluster', async () => {
    const text = await consumer.registry.getSingleMetricAsString('audit_webhook_request');
    for (const cluster of [A, B]) expect(text, cluster).toMatch(new RegExp(`audit_webhook_request_count\\{[^}]*cluster="${cluster}"[^}]*code="200"[^}]*\\} [1-9]`));
  });
});
