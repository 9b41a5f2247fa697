/**
 * Steps 6 and 7: change a demo Deployment, then print its trace once it is complete. The demo's pods run on
 * the kwok node (they tolerate its taint): its nginx images are not on this machine, and what Kelemetry
 * traces is the control plane's work, which is the same for fake pods.
 */
import { modeHex, withMode } from '../plugin/page/modes.ts';
import { kwokNodeToleration } from '../envtest/node/host.ts';
import { note, step, waitUntil } from './progress.ts';
import type { Clients } from './stack.ts';
import { sleep } from '../runtime/util/sleep.ts';

export async function changeDemoDeployment({ apps, kubectl }: Clients): Promise<void> {
  step('Changing a demo Deployment: create with 2 replicas, scale to 4, set image');
  const labels = { app: 'demo' };
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: {
      metadata: { name: 'demo', labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }], nodeSelector: { type: 'kwok' }, tolerations: [kwokNodeToleration] },
        },
      },
    },
  });
  const available = (n: number) => async () => ((await apps.readNamespacedDeployment({ name: 'demo', namespace: 'default' })).status?.availableReplicas === n ? true : undefined);
  await waitUntil('2 available replicas', available(2), 60_000);
  await kubectl('scale', 'deployment/demo', '--replicas=4', '-n', 'default');
  await waitUntil('4 available replicas', available(4), 60_000);
  await kubectl('set', 'image', 'deployment/demo', 'nginx=nginx:1.28', '-n', 'default');
  await waitUntil('the rollout', async () => {
    const d = await apps.readNamespacedDeployment({ name: 'demo', namespace: 'default' });
    return d.status?.updatedReplicas === 4 && d.status.availableReplicas === 4 ? true : undefined;
  }, 90_000);
}

export interface TraceEndpoints {
  pluginUrl: string;
  queryUrl: string;
  cluster: string;
  consumerMetricsUrl: string;
}

export async function printDemoTrace(e: TraceEndpoints): Promise<void> {
  step('The trace of deployments/demo');
  // Spans are batched for up to a second and diffs may trail the audit log; wait until both ReplicaSets show.
  await waitUntil('the trace with both ReplicaSets', () => traceHasReplicaSets(e), 60_000).catch((err: Error) => note(`(${err.message}; printing what is there)`));
  // The apiserver batches audit events for up to a second and spans are exported in batches: wait until
  // the trace stops growing, so what is printed is the whole story.
  let last = -1;
  await waitUntil('the trace to settle', async () => {
    const queued = /^audit_queue_depth (\d+)/m.exec(await (await fetch(e.consumerMetricsUrl)).text())?.[1];
    const size = await traceSize(e);
    const settled = size === last && queued === '0';
    last = size;
    await sleep(1500);
    return settled ? true : undefined;
  }, 60_000).catch(() => note('(the trace is still growing; printing what is there)'));
  const traceCmd = await import('../cli/commands/trace.ts');
  await traceCmd.run(['deployments/demo', '-n', 'default', '--plugin', e.pluginUrl, '--query', e.queryUrl, '--cluster', e.cluster]);
}

/** The plugin's page for the demo's trace (tracing + full tree), searched around `now`: the demo has just run. */
export function demoTraceUrl(pluginUrl: string, cluster: string, now = new Date()): string {
  const q = new URLSearchParams({ cluster, resource: 'deployments', namespace: 'default', name: 'demo', ts: now.toISOString(), mode: modeHex('tracing', 'full') });
  return `${pluginUrl}/ui/search?${q}`;
}

/** Spans plus log lines of the demo trace (full tree), or -1 when it cannot be read yet. */
async function traceSize(e: TraceEndpoints): Promise<number> {
  const t = await demoTrace(e);
  return t ? t.spans.reduce((n, s) => n + 1 + s.logs.length, 0) : -1;
}

async function traceHasReplicaSets(e: TraceEndpoints): Promise<true | undefined> {
  const t = await demoTrace(e);
  if (!t) return undefined;
  // Set image makes a second ReplicaSet; both appear under the Deployment once linked.
  const replicaSets = t.spans.filter((s) => t.processes[s.processID]?.serviceName.includes('replicasets'));
  return replicaSets.length >= 2 ? true : undefined;
}

interface DemoTrace {
  spans: { processID: string; logs: unknown[] }[];
  processes: Record<string, { serviceName: string }>;
}

async function demoTrace({ pluginUrl, queryUrl, cluster }: TraceEndpoints): Promise<DemoTrace | undefined> {
  const params = new URLSearchParams({ cluster, resource: 'deployments', namespace: 'default', name: 'demo', ts: new Date().toISOString() });
  const res = await fetch(`${pluginUrl}/redirect?${params}`, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) return undefined;
  // /redirect answers in the default mode (no links); ask for the same search with the full tree.
  const id = withMode(location.split('/').pop()!, modeHex('tracing', 'full'));
  const trace = (await (await fetch(`${queryUrl}/api/traces/${id}`)).json()) as { data?: DemoTrace[] };
  return trace.data?.[0];
}
