/**
 * Kelemetry on the local environment, as a cluster admin would install it: the CRD, the operator, a sample
 * KelemetryInstance, and the components the operator rendered, run as local processes (steps 2 to 5).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { KubeClients } from '../envtest/clients.ts';
import { repoRoot, type EnvironmentInfo } from '../envtest/environment.ts';
import { freePort } from '../envtest/ports.ts';
import { httpOk } from '../envtest/probes.ts';
import { startProcess, type ProcessRecord } from '../envtest/process.ts';
import { sampleInstance, kubeconfigSecret, quickstartInstance, quickstartNamespace } from './instance.ts';
import { inlineKubeconfig } from './kubeconfig.ts';
import { startLocalPod, type LocalPod } from './localPod.ts';
import { note, step, waitUntil } from './progress.ts';

export const cli = join(repoRoot, 'bin', 'kelemetry.js');

export type Component = 'consumer' | 'informers' | 'frontend';

export interface KelemetryStack {
  /** The operator and every local pod's processes (the environment's are in EnvironmentInfo). */
  processes: ProcessRecord[];
  pods: Map<Component, LocalPod>;
  operatorMetricsUrl: string;
  queryUrl: string;
  pluginUrl: string;
}

export type Clients = KubeClients;

export async function startKelemetry(info: EnvironmentInfo, clients: Clients): Promise<KelemetryStack> {
  step('Installing the KelemetryInstance CRD');
  await installCrd(clients);
  step('Starting the operator');
  const processes: ProcessRecord[] = [];
  const operatorMetricsUrl = await startOperator(info, processes);
  step(`Applying KelemetryInstance ${quickstartNamespace}/${quickstartInstance}`);
  const deployments = await applyInstance(info, clients);
  note(`rendered: ${[...deployments.values()].map((d) => d.metadata!.name).join(', ')}`);
  step('Running the rendered components as local processes (the pods kwok shows are not real)');
  const pods = await runPods(info, clients, deployments, processes);
  const frontend = pods.get('frontend')!;
  const queryUrl = `http://127.0.0.1:${frontend.ports.get(16686)}`;
  const pluginUrl = `http://127.0.0.1:${frontend.ports.get(8081)}`;
  await waitUntil('Jaeger query', async () => ((await httpOk(`${queryUrl}/`)) ? true : undefined), 60_000);
  const metricsPort = (c: Component) => pods.get(c)!.ports.get(9090);
  note(`consumer metrics :${metricsPort('consumer')}, informers metrics :${metricsPort('informers')}, plugin ${pluginUrl}, Jaeger UI ${queryUrl}`);
  return { processes, pods, operatorMetricsUrl, queryUrl, pluginUrl };
}

async function installCrd({ apiext, kubectl }: Clients): Promise<void> {
  await kubectl('apply', '--server-side', '-f', join(repoRoot, 'crds', 'kelemetry.io_kelemetryinstances.yaml'));
  await waitUntil('the CRD to be established', async () => {
    const crd = await apiext.readCustomResourceDefinition({ name: 'kelemetryinstances.kelemetry.io' });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  }, 60_000);
}

async function startOperator(info: EnvironmentInfo, processes: ProcessRecord[]): Promise<string> {
  const port = await freePort();
  processes.push(
    startProcess({
      name: 'operator',
      command: process.execPath,
      args: [cli, 'operator', '--kubeconfig', info.kube.kubeconfig, '--metrics-listen', `127.0.0.1:${port}`],
      logDir: info.logDir,
    }),
  );
  await waitUntil('the operator', async () => ((await httpOk(`http://127.0.0.1:${port}/readyz`)) ? true : undefined), 60_000);
  return `http://127.0.0.1:${port}/metrics`;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

async function applyInstance(info: EnvironmentInfo, { objects, core, apps }: Clients): Promise<Map<string, k8s.V1Deployment>> {
  await core.createNamespace({ body: { metadata: { name: quickstartNamespace } } });
  await core.createNamespacedSecret({
    namespace: quickstartNamespace,
    body: { metadata: { name: kubeconfigSecret }, stringData: { kubeconfig: inlineKubeconfig(info.kube.kubeconfig) } },
  });
  await objects.create(sampleInstance(info, packageVersion()) as k8s.KubernetesObject);
  return waitUntil(
    'the operator to render the consumer, informers and frontend Deployments',
    async () => {
      const list = await apps.listNamespacedDeployment({ namespace: quickstartNamespace, labelSelector: `kelemetry.io/instance=${quickstartInstance}` });
      const byComponent = new Map(list.items.map((d) => [d.metadata?.labels?.['app.kubernetes.io/component'] ?? '', d]));
      return ['consumer', 'informers', 'frontend'].every((c) => byComponent.has(c)) ? byComponent : undefined;
    },
    60_000,
  );
}

async function runPods(info: EnvironmentInfo, { core }: Clients, deployments: Map<string, k8s.V1Deployment>, processes: ProcessRecord[]): Promise<Map<Component, LocalPod>> {
  const pods = new Map<Component, LocalPod>();
  const startPod = async (component: Component) => {
    const d = deployments.get(component)!;
    const pod = await startLocalPod({
      name: `${d.metadata!.name}-local`,
      namespace: quickstartNamespace,
      spec: d.spec!.template.spec!,
      core,
      dir: join(info.baseDir, 'pods', component),
      logDir: info.logDir,
      commandFor: (c) =>
        c.image?.includes('jaeger') ? { command: info.binaries.jaeger, args: [] } : c.image?.includes('kelemetry') ? { command: process.execPath, args: [cli] } : undefined,
      // The apiserver already sends its audit webhook to this port.
      fixedPorts: component === 'consumer' ? { [webhookContainerPort(d)]: info.auditReceiverPort } : undefined,
    });
    pods.set(component, pod);
    processes.push(...pod.processes);
    const metrics = `http://127.0.0.1:${pod.ports.get(9090)}`;
    await waitUntil(`${pod.name} to be ready`, async () => ((await httpOk(`${metrics}/readyz`)) ? true : undefined), 90_000);
    return metrics;
  };
  // Informers first, and only on once the diff controller has listed every resource: audit events the
  // consumer gets before that can have no diff, and it would wait for one.
  const informersMetrics = await startPod('informers');
  await waitUntil('the diff controller to list every resource', async () => {
    const text = await (await fetch(`${informersMetrics}/metrics`)).text();
    const watching = /^diff_controller_monitors\{[^}]*\} ([1-9]\d*)/m.test(text);
    return watching && (await httpOk(`${informersMetrics}/readyz`)) ? true : undefined;
  }, 120_000);
  await startPod('consumer');
  await startPod('frontend');
  return pods;
}

function webhookContainerPort(d: k8s.V1Deployment): number {
  const port = d.spec?.template.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === 'webhook');
  if (!port) throw new Error(`Deployment ${d.metadata?.name} has no container port named webhook`);
  return port.containerPort;
}
