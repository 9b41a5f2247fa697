/**
 * `npm run quickstart [-- --detach]` / `npm run quickstart -- down`: from a fresh clone to a trace on
 * screen. Brings up the local stack (etcd, kube-apiserver with the audit webhook, controller-manager,
 * scheduler, kwok, Jaeger v2), installs the CRD, runs the operator, applies a sample KelemetryInstance,
 * runs the components the operator rendered as local processes (no container runtime here: see
 * localPod.ts), then changes a demo Deployment and prints its trace.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { startEnvironment, stopEnvironment, repoRoot, type EnvironmentInfo } from '../envtest/environment.ts';
import { formatDuration } from '../envtest/log.ts';
import { freePort } from '../envtest/ports.ts';
import { httpOk } from '../envtest/probes.ts';
import { isAlive, startProcess, stopProcess, type ProcessRecord } from '../envtest/process.ts';
import { sampleInstance, kubeconfigSecret, quickstartInstance, quickstartNamespace } from './instance.ts';
import { inlineKubeconfig } from './kubeconfig.ts';
import { modeHex, withMode } from '../cli/render/modes.ts';
import { startLocalPod, type LocalPod } from './localPod.ts';

const run = promisify(execFile);
/** $KELEMETRY_QUICKSTART_STATE moves it (tests run a stack beside a developer's own). */
export const stateFile = process.env.KELEMETRY_QUICKSTART_STATE ?? join(repoRoot, '.kelemetry', 'quickstart.json');
const cli = join(repoRoot, 'bin', 'kelemetry.js');

/** What `--detach` leaves behind for `kelemetry trace`, people and `quickstart down`. */
export interface QuickstartState {
  clusterName: string;
  kubeconfig: string;
  kubectl: string;
  queryUrl: string;
  pluginUrl: string;
  auditWebhookUrl: string;
  rawQueryUrl: string;
  /** Prometheus endpoint of each running component (consumer, informers, frontend, operator). */
  metricsUrls: Record<string, string>;
  logDir: string;
  env: Pick<EnvironmentInfo, 'processes' | 'baseDir' | 'etcdDataDir'>;
  processes: ProcessRecord[];
}

let stepNo = 0;
const totalSteps = 7;
function step(text: string): void {
  stepNo += 1;
  process.stdout.write(`\n[${stepNo}/${totalSteps}] ${text}\n`);
}
function note(text: string): void {
  process.stdout.write(`      ${text}\n`);
}

async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const started = Date.now();
  let lastError = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${formatDuration(timeoutMs)} waiting for ${what}${lastError ? ` (${lastError})` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

async function up(detach: boolean): Promise<number> {
  if (existsSync(stateFile)) {
    const old = JSON.parse(readFileSync(stateFile, 'utf8')) as QuickstartState;
    if ([...old.processes, ...old.env.processes].some((p) => isAlive(p.pid))) {
      console.error(`a quickstart stack is already running (${stateFile}); stop it with 'npm run quickstart -- down'`);
      return 1;
    }
  }
  const started = Date.now();
  const processes: ProcessRecord[] = [];
  step('Starting etcd, kube-apiserver (audit webhook on), controller-manager, scheduler, kwok and Jaeger v2');
  note('the first run builds kube-apiserver, kwok and Jaeger from Go modules; that takes several minutes');
  const env = await startEnvironment({ log: (m) => note(m) });
  const info = env.info;
  const stopAll = async () => {
    await Promise.all(processes.map((p) => stopProcess(p)));
    await env.stop();
  };
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(info.kube.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const kubectl = (...args: string[]) => run(info.binaries.kubectl, ['--kubeconfig', info.kube.kubeconfig, ...args]);

    step('Installing the KelemetryInstance CRD');
    const crd = join(repoRoot, 'crds', 'kelemetry.io_kelemetryinstances.yaml');
    await kubectl('apply', '--server-side', '-f', crd);
    const apiext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    await waitUntil('the CRD to be established', async () => {
      const crdObj = await apiext.readCustomResourceDefinition({ name: 'kelemetryinstances.kelemetry.io' });
      return crdObj.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    }, 60_000);

    step('Starting the operator');
    const operatorMetrics = await freePort();
    processes.push(
      startProcess({
        name: 'operator',
        command: process.execPath,
        args: [cli, 'operator', '--kubeconfig', info.kube.kubeconfig, '--metrics-listen', `127.0.0.1:${operatorMetrics}`],
        logDir: info.logDir,
      }),
    );
    await waitUntil('the operator', async () => ((await httpOk(`http://127.0.0.1:${operatorMetrics}/readyz`)) ? true : undefined), 60_000);

    step(`Applying KelemetryInstance ${quickstartNamespace}/${quickstartInstance}`);
    await core.createNamespace({ body: { metadata: { name: quickstartNamespace } } });
    await core.createNamespacedSecret({
      namespace: quickstartNamespace,
      body: { metadata: { name: kubeconfigSecret }, stringData: { kubeconfig: inlineKubeconfig(info.kube.kubeconfig) } },
    });
    await objects.create(sampleInstance(info, packageVersion()) as k8s.KubernetesObject);
    const deployments = await waitUntil(
      'the operator to render the consumer, informers and frontend Deployments',
      async () => {
        const list = await apps.listNamespacedDeployment({ namespace: quickstartNamespace, labelSelector: `kelemetry.io/instance=${quickstartInstance}` });
        const byComponent = new Map(list.items.map((d) => [d.metadata?.labels?.['app.kubernetes.io/component'] ?? '', d]));
        return ['consumer', 'informers', 'frontend'].every((c) => byComponent.has(c)) ? byComponent : undefined;
      },
      60_000,
    );
    note(`rendered: ${[...deployments.values()].map((d) => d.metadata!.name).join(', ')}`);

    step('Running the rendered components as local processes (the pods kwok shows are not real)');
    const pods = new Map<string, LocalPod>();
    const startPod = async (component: string) => {
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
    const [consumer, informers, frontend] = (['consumer', 'informers', 'frontend'] as const).map((c) => pods.get(c)!) as [LocalPod, LocalPod, LocalPod];
    const queryUrl = `http://127.0.0.1:${frontend.ports.get(16686)}`;
    const pluginUrl = `http://127.0.0.1:${frontend.ports.get(8081)}`;
    await waitUntil('Jaeger query', async () => ((await httpOk(`${queryUrl}/`)) ? true : undefined), 60_000);
    note(`consumer metrics :${consumer.ports.get(9090)}, informers metrics :${informers.ports.get(9090)}, plugin ${pluginUrl}, Jaeger UI ${queryUrl}`);

    step('Changing a demo Deployment: create with 2 replicas, scale to 4, set image');
    await kubectl('create', 'deployment', 'demo', '--image=nginx:1.27', '--replicas=2', '-n', 'default');
    const available = (n: number) => async () => ((await apps.readNamespacedDeployment({ name: 'demo', namespace: 'default' })).status?.availableReplicas === n ? true : undefined);
    await waitUntil('2 available replicas', available(2), 60_000);
    await kubectl('scale', 'deployment/demo', '--replicas=4', '-n', 'default');
    await waitUntil('4 available replicas', available(4), 60_000);
    await kubectl('set', 'image', 'deployment/demo', 'nginx=nginx:1.28', '-n', 'default');
    await waitUntil('the rollout', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'demo', namespace: 'default' });
      return d.status?.updatedReplicas === 4 && d.status.availableReplicas === 4 ? true : undefined;
    }, 90_000);

    const state: QuickstartState = {
      clusterName: info.kube.clusterName,
      kubeconfig: info.kube.kubeconfig,
      kubectl: info.binaries.kubectl,
      queryUrl,
      pluginUrl,
      auditWebhookUrl: info.kube.auditWebhook.url,
      rawQueryUrl: info.jaeger.query.url,
      metricsUrls: {
        ...Object.fromEntries([...pods].map(([component, p]) => [component, `http://127.0.0.1:${p.ports.get(9090)}/metrics`])),
        operator: `http://127.0.0.1:${operatorMetrics}/metrics`,
      },
      logDir: info.logDir,
      env: { processes: info.processes, baseDir: info.baseDir, etcdDataDir: info.etcdDataDir },
      processes,
    };
    mkdirSync(dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n');

    step('The trace of deployments/demo');
    // Spans are batched for up to a second and diffs may trail the audit log; wait until both ReplicaSets show.
    await waitUntil('the trace with both ReplicaSets', () => traceHasReplicaSets(pluginUrl, queryUrl, info.kube.clusterName), 60_000).catch((err: Error) =>
      note(`(${err.message}; printing what is there)`),
    );
    // The apiserver batches audit events for up to a second and spans are exported in batches: wait until
    // the trace stops growing, so what is printed is the whole story.
    let last = -1;
    const consumerMetrics = `http://127.0.0.1:${consumer.ports.get(9090)}/metrics`;
    await waitUntil('the trace to settle', async () => {
      const queued = /^audit_queue_depth (\d+)/m.exec(await (await fetch(consumerMetrics)).text())?.[1];
      const size = await traceSize(pluginUrl, queryUrl, info.kube.clusterName);
      const settled = size === last && queued === '0';
      last = size;
      await new Promise((r) => setTimeout(r, 1500));
      return settled ? true : undefined;
    }, 60_000).catch(() => note('(the trace is still growing; printing what is there)'));
    const traceCmd = await import('../cli/commands/trace.ts');
    await traceCmd.run(['deployments/demo', '-n', 'default', '--plugin', pluginUrl, '--query', queryUrl, '--cluster', info.kube.clusterName]);

    process.stdout.write(
      [
        '',
        `Kelemetry is running (ready in ${formatDuration(Date.now() - started)}).`,
        `  Jaeger UI:        ${queryUrl}   (service = display mode, operation = cluster, tags = object)`,
        `  raw traces UI:    ${state.rawQueryUrl}`,
        `  kubeconfig:       export KUBECONFIG=${info.kube.kubeconfig}`,
        `  instance status:  kubectl get kelemetryinstance -n ${quickstartNamespace}`,
        `  audit webhook:    ${state.auditWebhookUrl}`,
        `  logs:             ${info.logDir}`,
        `  try:              npx kelemetry trace deployments/demo --mode grouped --family owned`,
        detach ? "Stop it with: npm run quickstart -- down" : 'Press Ctrl-C to stop everything.',
        '',
      ].join('\n'),
    );
    if (detach) return 0;
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    process.stdout.write('\nstopping…\n');
    await stopAll();
    rmSync(stateFile, { force: true });
    return 0;
  } catch (err) {
    // The environment's temp folder goes away with it: keep the logs where the user can read them.
    const kept = join(repoRoot, '.kelemetry', 'quickstart-logs');
    rmSync(kept, { recursive: true, force: true });
    cpSync(info.logDir, kept, { recursive: true });
    process.stderr.write(`\nquickstart failed: ${(err as Error).message}\nlogs of every process: ${kept}\n`);
    await stopAll();
    rmSync(stateFile, { force: true });
    return 1;
  }
}

function webhookContainerPort(d: k8s.V1Deployment): number {
  const port = d.spec?.template.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === 'webhook');
  if (!port) throw new Error(`Deployment ${d.metadata?.name} has no container port named webhook`);
  return port.containerPort;
}

/** Spans plus log lines of the demo trace (full tree), or -1 when it cannot be read yet. */
async function traceSize(pluginUrl: string, queryUrl: string, cluster: string): Promise<number> {
  const t = await demoTrace(pluginUrl, queryUrl, cluster);
  return t ? t.spans.reduce((n, s) => n + 1 + s.logs.length, 0) : -1;
}

async function traceHasReplicaSets(pluginUrl: string, queryUrl: string, cluster: string): Promise<true | undefined> {
  const t = await demoTrace(pluginUrl, queryUrl, cluster);
  if (!t) return undefined;
  // Set image makes a second ReplicaSet; both appear under the Deployment once linked.
  const replicaSets = t.spans.filter((s) => t.processes[s.processID]?.serviceName.includes('replicasets'));
  return replicaSets.length >= 2 ? true : undefined;
}

interface DemoTrace {
  spans: { processID: string; logs: unknown[] }[];
  processes: Record<string, { serviceName: string }>;
}

async function demoTrace(pluginUrl: string, queryUrl: string, cluster: string): Promise<DemoTrace | undefined> {
  const params = new URLSearchParams({ cluster, resource: 'deployments', namespace: 'default', name: 'demo', ts: new Date().toISOString() });
  const res = await fetch(`${pluginUrl}/redirect?${params}`, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) return undefined;
  // /redirect answers in the default mode (no links); ask for the same search with the full tree.
  const id = withMode(location.split('/').pop()!, modeHex('tracing', 'full'));
  const trace = (await (await fetch(`${queryUrl}/api/traces/${id}`)).json()) as { data?: DemoTrace[] };
  return trace.data?.[0];
}

async function down(): Promise<number> {
  if (!existsSync(stateFile)) {
    console.log('no quickstart stack is running');
    return 0;
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as QuickstartState;
  await Promise.all(state.processes.map((p) => stopProcess(p)));
  await stopEnvironment(state.env);
  rmSync(stateFile, { force: true });
  console.log('quickstart stack stopped');
  return 0;
}

const args = process.argv.slice(2);
const usage = 'usage: npm run quickstart [-- --detach]   start the local stack and show a trace\n       npm run quickstart -- down          stop a detached stack';
let code: number;
if (args[0] === 'down') code = await down();
else if (args.length === 0 || (args.length === 1 && args[0] === '--detach')) code = await up(args[0] === '--detach');
else {
  console.error(usage);
  code = args[0] === '--help' || args[0] === '-h' ? 0 : 2;
}
process.exit(code);
