/**
 * The install path a cluster admin follows, on the environment's real node: load the images, pipe
 * `kelemetry synth --operator` into `kubectl apply`, apply an instance, wait for its pods through their
 * own probes, then point the API server's audit webhook at what `kelemetry audit-webhook-config` prints.
 * Shared by the quickstart and the install tests.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { KubeClients } from '../envtest/clients.ts';
import { repoRoot, type Environment, type EnvironmentInfo } from '../envtest/environment.ts';
import { buildImages } from '../envtest/images/build.ts';
import { kelemetryRepository } from '../envtest/images/kelemetry.ts';
import { importImages } from '../envtest/node/containerd.ts';
import type { Logger } from '../envtest/log.ts';
import { PORTS } from '../manifests/ports.ts';
import { waitUntil } from './progress.ts';

const run = promisify(execFile);
export const cli = join(repoRoot, 'bin', 'kelemetry.js');
export const operatorNamespace = 'kelemetry-system';

export function kelemetryImage(version: string): string {
  return `${kelemetryRepository}:${version}`;
}

/** Builds (or takes from the cache) the Kelemetry tags, Jaeger and etcd images, and imports them into the node. */
export async function loadImages(info: EnvironmentInfo, versions: string[], log: Logger): Promise<void> {
  const node = info.realNode;
  if (!node) throw new Error('the environment has no real node: start it with realNode: true');
  const images = await buildImages({ outDir: join(info.baseDir, 'images'), versions, log });
  await importImages(node.binaries, node.containerdSocket, images.map((i) => i.archive));
}

/** `kelemetry synth --operator --image IMAGE | kubectl apply -f -`, exactly as the README says. */
export async function installOperator(info: EnvironmentInfo, image: string): Promise<void> {
  const pipeline = `set -o pipefail; "${process.execPath}" "${cli}" synth --operator --image "${image}" | "${info.binaries.kubectl}" --kubeconfig "${info.kube.kubeconfig}" apply -f -`;
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', ['-c', pipeline], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`synth --operator | kubectl apply failed (exit ${code}):\n${out}`))));
  });
}

async function deploymentAvailable(apps: k8s.AppsV1Api, namespace: string, name: string): Promise<true | undefined> {
  const d = await apps.readNamespacedDeployment({ name, namespace });
  const s = d.status;
  return s?.availableReplicas && s.availableReplicas === d.spec?.replicas && s.updatedReplicas === d.spec?.replicas ? true : undefined;
}

export async function waitOperatorReady({ apps }: KubeClients, timeoutMs = 120_000): Promise<void> {
  await waitUntil('the operator pod to be ready', () => deploymentAvailable(apps, operatorNamespace, 'kelemetry-operator'), timeoutMs);
}

interface InstanceStatus {
  status?: { conditions?: { type: string; status: string; message?: string }[]; auditWebhook?: { clusters?: { url: string }[] } };
}

/** Waits until the instance reports Ready (every component's pods ready through their probes). */
export async function waitInstanceReady({ kc }: KubeClients, namespace: string, name: string, timeoutMs = 240_000): Promise<void> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  let last = '';
  await waitUntil(`KelemetryInstance ${namespace}/${name} to be Ready`, async () => {
    const inst = (await api.getNamespacedCustomObject({ group: 'kelemetry.io', version: 'v1alpha1', namespace, plural: 'kelemetryinstances', name })) as InstanceStatus;
    const ready = inst.status?.conditions?.find((c) => c.type === 'Ready');
    last = ready?.message ?? '';
    return ready?.status === 'True' && inst.status?.auditWebhook?.clusters?.length ? true : undefined;
  }, timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}; last said: ${last}`);
  });
}

/** Waits until the instance reports a webhook URL at an IP address (its Service exists), as an admin would. */
export async function waitWebhookAddress({ kc }: KubeClients, namespace: string, name: string): Promise<void> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  await waitUntil(`KelemetryInstance ${namespace}/${name} to report its webhook address`, async () => {
    const inst = (await api.getNamespacedCustomObject({ group: 'kelemetry.io', version: 'v1alpha1', namespace, plural: 'kelemetryinstances', name })) as InstanceStatus;
    const url = inst.status?.auditWebhook?.clusters?.[0]?.url;
    return url && /^https?:\/\/[\d.]+:/.test(url) ? true : undefined;
  }, 120_000);
}

/**
 * What `kelemetry audit-webhook-config --instance NS/NAME` prints, used as the API server's webhook config.
 * Restarting the API server breaks every watch for a few seconds: done before the instance's informers have
 * listed (they wait for it to be back), no change made afterwards falls into that gap.
 */
export async function pointAuditWebhook(env: Environment, namespace: string, name: string): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, 'audit-webhook-config', '--instance', `${namespace}/${name}`, '--kubeconfig', env.info.kube.kubeconfig]);
  const url = /server: (\S+)/.exec(stdout)?.[1];
  if (!url) throw new Error(`kelemetry audit-webhook-config printed no server:\n${stdout}`);
  await env.setAuditWebhook({ url, kubeconfigYaml: stdout });
  return url;
}

/** Frontend URLs at its Service's ClusterIP, which this host reaches through kube-proxy. */
export async function frontendUrls({ core }: KubeClients, namespace: string, name: string): Promise<{ queryUrl: string; pluginUrl: string }> {
  const svc = await core.readNamespacedService({ name: `${name}-query`, namespace });
  const ip = svc.spec?.clusterIP;
  if (!ip) throw new Error(`Service ${namespace}/${name}-query has no ClusterIP`);
  return { queryUrl: `http://${ip}:${PORTS.query}`, pluginUrl: `http://${ip}:${PORTS.pluginHttp}` };
}

/** `http://<pod IP>:<metrics port>/metrics` of each running pod, keyed by component (or `fallbackKey`). */
export async function podMetricsUrls({ core }: KubeClients, namespace: string, selector: string, fallbackKey = 'pod'): Promise<Record<string, string>> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: selector });
  const urls: Record<string, string> = {};
  for (const pod of pods.items) {
    const component = pod.metadata?.labels?.['app.kubernetes.io/component'] ?? fallbackKey;
    const port = pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === 'metrics')?.containerPort;
    if (component && port && pod.status?.podIP && pod.metadata?.deletionTimestamp === undefined) urls[component] = `http://${pod.status.podIP}:${port}/metrics`;
  }
  return urls;
}
