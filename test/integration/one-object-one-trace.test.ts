/**
 * One object, one trace (real kube-apiserver audit webhook, diff controller and event controller writing
 * through one aggregator to Jaeger v2): cluster-scoped objects (a Namespace, a ClusterRole, the kwok Node)
 * and an object changed through its subresources (status, scale, binding) each have a single object trace
 * per window, whichever producer wrote first, and their object spans are keyed without a namespace.
 * Every object is this file's own: other test files trace the shared kwok Node with their own span caches,
 * so its traces in this window would not all be this run's.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningApp } from '../../app/app.ts';
import { windowOf, windowStartMs } from '../../runtime/model/window.ts';
import { TraceReaderClient, type StoredSpan } from './audit-traces.ts';
import { createTestNamespace, kubeClients } from './helpers/kube.ts';
import { startAllProducers } from './helpers/allProducers.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const exec = promisify(execFile);
const cluster = env.kube.clusterName;
const kube = kubeClients(env);
const suffix = randomBytes(3).toString('hex');
const startedMs = Date.now();
let app: RunningApp;
let reader: TraceReaderClient;
let ns: string;
const kubectl = (...args: string[]) => exec(env.binaries.kubectl, ['--kubeconfig', env.kube.kubeconfig, ...args]);

async function objectSpans(resource: string, name: string): Promise<Map<string, StoredSpan[]>> {
  return reader.findTraces('object', { cluster, resource, name }, windowStartMs(startedMs) - 60_000, Date.now() + 60_000);
}

const windows = () => new Set([windowOf(startedMs), windowOf(Date.now())]).size;

beforeAll(async () => {
  ns = await createTestNamespace(kube.core, 'onekey');
  ({ app, reader } = await startAllProducers(env, ns));
  await kubectl('create', 'namespace', `ns-${suffix}`);
  await kubectl('label', 'namespace', `ns-${suffix}`, 'team=a');
  await kubectl('create', 'clusterrole', `cr-${suffix}`, '--verb=get', '--resource=pods');
  await kubectl('label', 'clusterrole', `cr-${suffix}`, 'team=a');
  // A Node no kubelet runs: tainted so nothing is scheduled there, deleted at the end.
  await kube.core.createNode({ body: { metadata: { name: `node-${suffix}` }, spec: { taints: [{ key: 'kelemetry.io/test-only', effect: 'NoSchedule' }] } } });
  await kubectl('label', 'node', `node-${suffix}`, 'team=a');
  await kubectl('-n', ns, 'create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=1');
  await kubectl('-n', ns, 'scale', 'deployment', 'web', '--replicas=2');
}, 90_000);

afterAll(async () => {
  await kubectl('delete', 'node', `node-${suffix}`, '--wait=false').catch(() => undefined);
  reader?.close();
  await app?.stop();
});

describe('one object, one trace (real apiserver, audit + diff + event producers)', () => {
  const cases: [resource: string, name: () => string][] = [
    ['namespaces', () => `ns-${suffix}`],
    ['clusterroles', () => `cr-${suffix}`],
    ['nodes', () => `node-${suffix}`],
  ];
  for (const [resource, name] of cases) {
    it(`${resource}: a single object trace per window, keyed without a namespace`, async () => {
      const traces = await waitFor(`audit and diff spans of ${resource}/${name()}`, async () => {
        const t = await objectSpans(resource, name());
        const spans = [...t.values()].flat();
        const sources = new Set(spans.map((s) => s.attrs['zzz-traceSource']));
        return sources.has('audit') ? t : undefined;
      }, { timeoutMs: 30_000, intervalMs: 500 });
      const roots = [...traces.values()].flat().filter((s) => s.attrs['zzz-pseudoType'] === 'object');
      expect(roots.map((r) => r.attrs.namespace)).toEqual(roots.map(() => ''));
      expect(traces.size).toBe(windows());
    });
  }

  it('a Deployment changed through /scale and its Pods through /binding and /status: one trace each', async () => {
    const pods = await waitFor('two running pods', async () => {
      const list = await kube.core.listNamespacedPod({ namespace: ns });
      return list.items.length === 2 && list.items.every((p) => p.status?.phase === 'Running') ? list.items.map((p) => p.metadata!.name!) : undefined;
    }, { timeoutMs: 60_000 });
    for (const [resource, name, wanted] of [['deployments', 'web', / patch scale$/], ...pods.map((p) => ['pods', p, / (create binding|patch status|update status)$/] as const)] as const) {
      const traces = await waitFor(`the subresource audit span of ${resource}/${name}`, async () => {
        const t = await reader.findTraces('object', { cluster, resource, namespace: ns, name }, windowStartMs(startedMs) - 60_000, Date.now() + 60_000);
        return [...t.values()].flat().some((s) => wanted.test(s.name)) ? t : undefined;
      }, { timeoutMs: 30_000, intervalMs: 500 });
      expect(traces.size, `${resource}/${name}`).toBe(windows());
    }
  });
});
