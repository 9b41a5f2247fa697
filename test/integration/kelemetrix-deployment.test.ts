/**
 * Audit-derived metrics on real audit events. Real servers: the environment's kube-apiserver (with
 * kube-controller-manager and kwok running the Deployment's pods) sends its audit webhook to a receiver
 * bound on env.auditReceiverPort; a Deployment is created, scaled and deleted through client-node, and
 * every received event is fed to kelemetrix. The per-verb counts it exports for the test namespace
 * must equal the audit events the apiserver actually sent.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEvent } from '../../runtime/audit/types.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { Kelemetrix } from '../../runtime/kelemetrix/kelemetrix.ts';
import { createRegistry } from '../../runtime/metrics/registry.ts';
import { nullLogger } from '../../runtime/util/log.ts';
import { parsePrometheusText } from '../../runtime/diagnose/promText.ts';
import { startAuditReceiver, type AuditReceiver } from './helpers/auditReceiver.ts';
import { createTestNamespace, demoDeployment, kubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const kube = kubeClients(env);
let receiver: AuditReceiver;
let ns: string;
const name = 'metrics-demo';

const eventsOf = () => receiver.events() as unknown as AuditEvent[];
const inNamespace = (e: AuditEvent) => e.objectRef?.namespace === ns;
const isDeployment = (e: AuditEvent) => inNamespace(e) && e.objectRef?.resource === 'deployments' && e.objectRef.name === name;

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

beforeAll(async () => {
  receiver = await startAuditReceiver(env.auditReceiverPort);
  ns = await createTestNamespace(kube.core, 'kelemetrix');

  await kube.apps.createNamespacedDeployment({ namespace: ns, body: demoDeployment(name, 1) });
  await waitFor('1 ready replica', async () => (await kube.apps.readNamespacedDeployment({ name, namespace: ns })).status?.readyReplicas === 1, { timeoutMs: 60_000 });
  await kube.apps.replaceNamespacedDeploymentScale({ name, namespace: ns, body: { metadata: { name, namespace: ns }, spec: { replicas: 3 } } });
  await waitFor('3 ready replicas', async () => (await kube.apps.readNamespacedDeployment({ name, namespace: ns })).status?.readyReplicas === 3, { timeoutMs: 60_000 });
  await kube.apps.deleteNamespacedDeployment({ name, namespace: ns });
  await waitFor(
    'the audit event of the Deployment delete',
    () => eventsOf().some((e) => isDeployment(e) && e.verb === 'delete' && e.stage === 'ResponseComplete'),
    { timeoutMs: 30_000 },
  );
}, 180_000);

afterAll(async () => {
  await kube.core.deleteNamespace({ name: ns }).catch((err: unknown) => console.warn(`cleanup: deleting namespace ${ns}: ${(err as Error).message}`));
  await receiver?.close();
});

describe('kelemetrix on the real apiserver audit stream', () => {
  it('counts the scenario requests by verb and resource exactly as the audit events say', async () => {
    const config = parseConfig({
      clusters: [{ name: env.kube.clusterName }],
      kelemetrix: {
        metrics: [
          { name: 'ns_requests', quantifier: 'request_count', tags: ['verb', 'resource'], tagFilters: [{ tag: 'namespace', oneOf: [ns] }] },
          // Several negated choices: the original always passed this filter (spec Appendix A.16).
          {
            name: 'ns_writes',
            quantifier: 'request_count',
            tags: ['verb'],
            tagFilters: [
              { tag: 'namespace', oneOf: [ns] },
              { tag: 'verb', oneOf: ['get', 'list', 'watch'], negate: true },
            ],
          },
          {
            name: 'deploy_latency',
            quantifier: 'request_latency',
            tags: ['verb', 'subresource'],
            tagFilters: [
              { tag: 'namespace', oneOf: [ns] },
              { tag: 'groupResource', oneOf: ['deployments.apps'] },
            ],
          },
        ],
      },
    });
    const registry = createRegistry({ processMetrics: false });
    const kelemetrix = new Kelemetrix(config.kelemetrix, { logger: nullLogger, registry });

    // Snapshot once: the apiserver keeps sending (controllers never stop), and expected and observed must see the same events.
    const events = [...eventsOf()];
    for (const event of events) kelemetrix.observe({ cluster: env.kube.clusterName, sourceAddr: '127.0.0.1', event, receivedAtMs: Date.now() });

    const complete = events.filter((e) => inNamespace(e) && e.stage === 'ResponseComplete');
    const families = parsePrometheusText(await registry.metrics());
    const series = (family: string, sample = family) =>
      Object.fromEntries(
        (families.get(family)?.samples ?? [])
          .filter((s) => s.name === sample)
          .map((s) => [Object.values(s.labels).join('/'), s.value]),
      );

    // Per verb and resource, for everything in the namespace (deployments, replicasets, pods, ...).
    expect(series('ns_requests_count')).toEqual(countBy(complete, (e) => `${e.verb}/${e.objectRef?.resource}`));
    const deployments = countBy(complete.filter(isDeployment), (e) => e.verb ?? '');
    expect(series('ns_requests_count')['create/deployments']).toBe(1);
    expect(series('ns_requests_count')['delete/deployments']).toBe(1);
    expect(deployments.create).toBe(1);
    expect(deployments.delete).toBe(1);
    // The scale is an update of deployments/scale; the deployment controller also updates the status.
    expect(complete.filter((e) => isDeployment(e) && e.verb === 'update' && e.objectRef?.subresource === 'scale')).toHaveLength(1);
    expect(deployments.update).toBeGreaterThanOrEqual(2);
    expect(series('ns_requests_count')['update/deployments']).toBe(deployments.update);

    // Writes only: nothing with get/list/watch, and every write present.
    const writes = series('ns_writes_count');
    expect(Object.keys(writes).filter((v) => ['get', 'list', 'watch'].includes(v))).toEqual([]);
    expect(writes).toEqual(countBy(complete.filter((e) => !['get', 'list', 'watch'].includes(e.verb ?? '')), (e) => e.verb ?? ''));
    expect(writes.create).toBeGreaterThanOrEqual(2); // the Deployment, its ReplicaSet and pods

    // One latency observation per deployments request, labelled by subresource.
    expect(series('deploy_latency_histogram', 'deploy_latency_histogram_count')).toEqual(
      countBy(complete.filter((e) => e.objectRef?.resource === 'deployments'), (e) => `${e.verb}/${e.objectRef?.subresource ?? ''}`),
    );
    expect(series('deploy_latency_histogram', 'deploy_latency_histogram_count')['update/scale']).toBe(1);
  });
});
