/**
 * Kelemetry on the local environment's real node, installed as a cluster admin would (steps 2 to 5): the
 * images, the operator from `kelemetry synth --operator | kubectl apply`, a sample KelemetryInstance whose
 * pods the kubelet really runs, and the API server's audit webhook pointed at the instance.
 */
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { join } from 'node:path';
import type { KubeClients } from '../envtest/clients.ts';
import { repoRoot, type Environment } from '../envtest/environment.ts';
import { httpOk } from '../envtest/probes.ts';
import { sampleInstance, quickstartInstance, quickstartNamespace } from './instance.ts';
import {
  frontendUrls,
  installOperator,
  kelemetryImage,
  loadImages,
  operatorNamespace,
  podMetricsUrls,
  pointAuditWebhook,
  waitInstanceReady,
  waitOperatorReady,
  waitWebhookAddress,
} from './install.ts';
import { formatDuration } from '../envtest/log.ts';
import { note, step, waitUntil } from './progress.ts';

export interface KelemetryStack {
  queryUrl: string;
  pluginUrl: string;
  auditWebhookUrl: string;
  /** Prometheus endpoint of each component's pod (consumer, informers, frontend, operator). */
  metricsUrls: Record<string, string>;
}

export type Clients = KubeClients;

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function startKelemetry(env: Environment, clients: Clients): Promise<KelemetryStack> {
  const version = packageVersion();
  const image = kelemetryImage(version);
  step('Loading the images into the node (Kelemetry, Jaeger v2, etcd; built locally, cached)');
  await loadImages(env.info, [version], note);
  step(`Installing the operator: kelemetry synth --operator --image ${image} | kubectl apply -f -`);
  await installOperator(env.info, image);
  await waitOperatorReady(clients);
  step(`Applying KelemetryInstance ${quickstartNamespace}/${quickstartInstance} (managed etcd and Jaeger); waiting for its pods`);
  await clients.objects.create(sampleInstance(env.info.kube.clusterName, version) as never);
  await waitWebhookAddress(clients, quickstartNamespace, quickstartInstance);
  step("Pointing kube-apiserver's audit webhook at the instance (kelemetry audit-webhook-config), restarting it");
  const auditWebhookUrl = await pointAuditWebhook(env, quickstartNamespace, quickstartInstance);
  note(`audit webhook: ${auditWebhookUrl}`);
  const applied = Date.now();
  await waitInstanceReady(clients, quickstartNamespace, quickstartInstance);
  const pods = await clients.core.listNamespacedPod({ namespace: quickstartNamespace });
  note(`instance Ready ${formatDuration(Date.now() - applied)} after the webhook restart; running: ${pods.items.map((p) => p.metadata?.name).join(', ')}`);
  const { queryUrl, pluginUrl } = await frontendUrls(clients, quickstartNamespace, quickstartInstance);
  await waitUntil('Jaeger query', async () => ((await httpOk(`${queryUrl}/`)) ? true : undefined), 60_000);
  const metricsUrls = {
    ...(await podMetricsUrls(clients, quickstartNamespace, `kelemetry.io/instance=${quickstartInstance}`)),
    operator: await operatorLeaderMetricsUrl(clients),
  };
  return { queryUrl, pluginUrl, auditWebhookUrl, metricsUrls };
}

/** The operator pod holding the leader Lease (a standby replica reconciles nothing, so has no controller metrics). */
async function operatorLeaderMetricsUrl(clients: Clients): Promise<string> {
  const lease = await clients.kc.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({ name: 'kelemetry-operator', namespace: operatorNamespace });
  const holder = lease.spec?.holderIdentity ?? '';
  const pods = await clients.core.listNamespacedPod({ namespace: operatorNamespace, labelSelector: 'app.kubernetes.io/name=kelemetry-operator' });
  const leader = pods.items.find((p) => p.metadata?.name && holder.startsWith(p.metadata.name));
  if (!leader?.status?.podIP) throw new Error(`no operator pod holds the Lease ${operatorNamespace}/kelemetry-operator (holder "${holder}")`);
  return `http://${leader.status.podIP}:9090/metrics`;
}
