/**
 * `npm run quickstart [-- --detach]` / `npm run quickstart -- down`: from a fresh clone to a trace on
 * screen. Brings up the local cluster (etcd, kube-apiserver, controller-manager, scheduler, a real node
 * with containerd and kubelet, kwok for the demo's fake pods, Jaeger v2 for raw traces), loads the images,
 * installs the operator as the README says, applies a sample KelemetryInstance whose pods really run,
 * points the API server's audit webhook at it, then changes a demo Deployment and prints its trace.
 *
 * Attached (the default) it then runs until Ctrl-C, SIGTERM or SIGHUP and stops everything it started;
 * its servers die with it however it ends (envtest/process.ts). `--detach` leaves them running for `down`.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startEnvironment, stopEnvironment, stopEverything, repoRoot, type EnvironmentInfo } from '../envtest/environment.ts';
import { formatDuration } from '../envtest/log.ts';
import { isAlive, keepProcessesAfterExit } from '../envtest/process.ts';
import { shutDown, stopOwner, trapStopSignals, type StopSignals } from '../envtest/signals.ts';
import { changeDemoDeployment, demoTraceUrl, printDemoTrace } from './demo.ts';
import { quickstartNamespace } from './instance.ts';
import { note, step } from './progress.ts';
import { kubeClients } from '../envtest/clients.ts';
import { startKelemetry, type KelemetryStack } from './stack.ts';

/** $KELEMETRY_QUICKSTART_STATE moves it (tests run a stack beside a developer's own). */
export const stateFile = process.env.KELEMETRY_QUICKSTART_STATE ?? join(repoRoot, '.kelemetry', 'quickstart.json');

/** What a running quickstart records for `kelemetry trace`, people, tests and `quickstart down`. */
export interface QuickstartState {
  clusterName: string;
  kubeconfig: string;
  kubectl: string;
  queryUrl: string;
  pluginUrl: string;
  auditWebhookUrl: string;
  rawQueryUrl: string;
  /** Prometheus endpoint of each component's pod (consumer, informers, frontend, operator). */
  metricsUrls: Record<string, string>;
  logDir: string;
  env: Pick<EnvironmentInfo, 'processes' | 'baseDir' | 'etcdDataDir' | 'realNode'>;
  /** The attached quickstart process, which everything dies with (absent with --detach). */
  ownerPid?: number;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function up(detach: boolean): Promise<number> {
  if (existsSync(stateFile)) {
    const old = JSON.parse(readFileSync(stateFile, 'utf8')) as QuickstartState;
    if (old.env.processes.some((p) => isAlive(p.pid))) {
      console.error(`a quickstart stack is already running (${stateFile}); stop it with 'npm run quickstart -- down'`);
      return 1;
    }
  }
  if (detach) keepProcessesAfterExit();
  // From the start: Ctrl-C during start-up stops what already runs, detached or not.
  const signals = trapStopSignals(say);
  const outcome = await Promise.race([start(detach, signals), signals.received.then(() => 'interrupted' as const)]);
  if (outcome === 'failed') return 1;
  if (outcome === 'ready' && detach) {
    signals.release();
    return 0;
  }
  if (outcome === 'ready') await signals.received;
  await shutDown(signals.signal, say);
  rmSync(stateFile, { force: true });
  return outcome === 'ready' ? 0 : 130;
}

async function start(detach: boolean, signals: StopSignals): Promise<'ready' | 'failed'> {
  const since = Date.now();
  step('Starting etcd, kube-apiserver, controller-manager, scheduler, a real node (containerd, kubelet, kube-proxy, CoreDNS), kwok and Jaeger v2');
  note('the first run builds Kubernetes, CoreDNS, kwok and Jaeger from Go modules; that takes several minutes');
  let info: EnvironmentInfo | undefined;
  try {
    const env = await startEnvironment({ log: note, realNode: true, podsOnRealNode: true });
    info = env.info;
    const clients = kubeClients(info);
    const stack = await startKelemetry(env, clients);
    const state = stateOf(info, stack, detach);
    mkdirSync(dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n');
    await changeDemoDeployment(clients);
    const consumerMetricsUrl = stack.metricsUrls.consumer!;
    await printDemoTrace({ pluginUrl: stack.pluginUrl, queryUrl: stack.queryUrl, cluster: info.kube.clusterName, consumerMetricsUrl });
    say(summary(state, Date.now() - since, detach));
    return 'ready';
  } catch (err) {
    // Interrupted: up() is already stopping everything, and the error is a consequence of that.
    if (signals.signal) return 'failed';
    await fail(err as Error, info);
    return 'failed';
  }
}

async function fail(err: Error, info: EnvironmentInfo | undefined): Promise<void> {
  let logs = '';
  if (info) {
    // The environment's temp folder goes away with it: keep the logs where the user can read them.
    const kept = join(repoRoot, '.kelemetry', 'quickstart-logs');
    rmSync(kept, { recursive: true, force: true });
    cpSync(info.logDir, kept, { recursive: true });
    // The pods' own logs (kubectl logs) live in the real node's kubelet folder.
    const podLogs = info.realNode && join(info.realNode.dir, 'kubelet', 'pod-logs');
    if (podLogs && existsSync(podLogs)) cpSync(podLogs, join(kept, 'pods'), { recursive: true, dereference: true });
    logs = `\nlogs of every process: ${kept} (pods: ${join(kept, 'pods')})`;
  }
  process.stderr.write(`\nquickstart failed: ${err.message}${logs}\n`);
  await stopEverything();
  rmSync(stateFile, { force: true });
}

function stateOf(info: EnvironmentInfo, stack: KelemetryStack, detach: boolean): QuickstartState {
  return {
    clusterName: info.kube.clusterName,
    kubeconfig: info.kube.kubeconfig,
    kubectl: info.binaries.kubectl,
    queryUrl: stack.queryUrl,
    pluginUrl: stack.pluginUrl,
    auditWebhookUrl: stack.auditWebhookUrl,
    rawQueryUrl: info.jaeger.query.url,
    metricsUrls: stack.metricsUrls,
    logDir: info.logDir,
    env: { processes: info.processes, baseDir: info.baseDir, etcdDataDir: info.etcdDataDir, realNode: info.realNode },
    ownerPid: detach ? undefined : process.pid,
  };
}

function summary(state: QuickstartState, tookMs: number, detach: boolean): string {
  return [
    '',
    `Kelemetry is running (ready in ${formatDuration(tookMs)}).`,
    `  trace page:       ${state.pluginUrl}/ui/   (open it in a browser: find an object's trace, switch display modes)`,
    `  the demo's trace: ${demoTraceUrl(state.pluginUrl, state.clusterName)}`,
    `  Jaeger query API: ${state.queryUrl}/api/   (service = display mode, operation = cluster, tags = object; this Jaeger build has no UI)`,
    `  raw traces API:   ${state.rawQueryUrl}/api/`,
    `  kubeconfig:       export KUBECONFIG=${state.kubeconfig}`,
    `  instance status:  kubectl get kelemetryinstance -n ${quickstartNamespace}`,
    `  audit webhook:    ${state.auditWebhookUrl}`,
    `  logs:             ${state.logDir}`,
    `  try:              npx kelemetry trace deployments/demo --mode grouped --family owned`,
    detach ? 'Stop it with: npm run quickstart -- down' : 'Press Ctrl-C to stop everything (it takes a few seconds).',
  ].join('\n');
}

async function down(): Promise<number> {
  if (!existsSync(stateFile)) {
    console.log('no quickstart stack is running');
    return 0;
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as QuickstartState;
  // An attached quickstart stops its own stack, in order, as on Ctrl-C; anything left is stopped from the record.
  if (await stopOwner(state.ownerPid, 'quickstart/main.ts')) console.log(`asked the quickstart (pid ${state.ownerPid}) to stop`);
  await stopEnvironment(state.env);
  rmSync(stateFile, { force: true });
  console.log('quickstart stack stopped');
  return 0;
}

const usage = 'usage: npm run quickstart [-- --detach]   start the local stack and show a trace (Ctrl-C stops it)\n       npm run quickstart -- down          stop it (a detached one, or an attached one from another terminal)';

async function main(args: string[]): Promise<number> {
  if (args[0] === 'down') return down();
  if (args.length === 0 || (args.length === 1 && args[0] === '--detach')) return up(args[0] === '--detach');
  console.error(usage);
  return args[0] === '--help' || args[0] === '-h' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
