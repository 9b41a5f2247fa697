/**
 * Two KelemetryInstances, one per cluster, as the operator renders them (manifests/runtimeConfig.ts): both list
 * both clusters, each names its own as currentCluster, and they share the external etcd (span and diff caches),
 * Redis (trace cache) and Jaeger. The second cluster is this file's own (envtest/cluster.ts): only these tests pay
 * for it. Each instance runs its consumer (its cluster's audit webhook) and informers; instance A's frontend reads
 * both clusters' traces behind a real Jaeger query.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningApp } from '../../app/app.ts';
import { startCluster, type StartedCluster } from '../../envtest/cluster.ts';
import { silentLogger } from '../../envtest/log.ts';
import { parentLinkAnnotation } from '../../runtime/model/constants.ts';
import { windowStartMs } from '../../runtime/model/window.ts';
import { TraceReaderClient } from './audit-traces.ts';
import { pluginOf, startQueryFor, startRole, type InstanceOptions } from './helpers/instances.ts';
import { kubeClients, type KubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';
import type { JaegerTrace as UiTrace } from './helpers/http.ts';
import { traceTree } from './helpers/jaegerUi.ts';

const env = inject('env');
const A = env.kube.clusterName;
const B = `${A}-b`;
const suffix = randomBytes(3).toString('hex');
const ns = `mc-${suffix}`;
const startedMs = Date.now();
const apps: Record<string, RunningApp> = {};
const kube: Record<string, KubeClients> = {};
const instances: Record<string, InstanceOptions> = {};
let second: StartedCluster;
let query: Awaited<ReturnType<typeof startQueryFor>>;
let reader: TraceReaderClient;

beforeAll(async () => {
  second = await startCluster(env, { name: B, log: silentLogger });
  kube[A] = kubeClients(env);
  kube[B] = kubeClients({ kube: second.info.kube, binaries: env.binaries });
  // The instances' namespace, in each cluster: their Leases and event ConfigMaps live there.
  for (const c of [A, B]) await kube[c]!.core.createNamespace({ body: { metadata: { name: ns } } });
  const clusters = [
    { name: A, kubeconfig: env.kube.kubeconfig },
    { name: B, kubeconfig: second.info.kube.kubeconfig },
  ];
  const shared = { namespace: ns, clusters, cachePrefix: `/mc-${suffix}` };
  instances[A] = { ...shared, name: `kel-a-${suffix}`, currentCluster: A, auditPort: env.auditReceiverPort };
  instances[B] = { ...shared, name: `kel-b-${suffix}`, currentCluster: B, auditPort: second.info.auditReceiverPort };
  for (const c of [A, B]) {
    apps[`${c} consumer`] = await startRole(env, instances[c]!, 'consumer');
    apps[`${c} informers`] = await startRole(env, instances[c]!, 'informers');
  }
  apps.frontend = await startRole(env, instances[A]!, 'frontend');
  apps[`${B} frontend`] = await startRole(env, { ...instances[B]!, displayModeFile: modesWithAnnotationAncestors() }, 'frontend');
  query = await startQueryFor(env, apps.frontend, `jaeger-query-mc-${suffix}`);
  reader = new TraceReaderClient(env.jaeger.storage.remoteStorage);
  // Creation diffs need the diff controllers watching before the objects below are made.
  for (const c of [A, B]) {
    await waitFor(`${c}'s diff controller watching`, async () => /diff_controller_monitors\{[^}]*\} [1-9]/.test(await apps[`${c} informers`]!.registry.getSingleMetricAsString('diff_controller_monitors')));
  }
}, 150_000);

afterAll(async () => {
  reader?.close();
  await query?.stop();
  for (const app of Object.values(apps).reverse()) await app.stop();
  await second?.stop();
});

/** The names of the Leases in the instances' namespace of one cluster. */
async function leases(cluster: string): Promise<string[]> {
  const { stdout } = await kube[cluster]!.kubectl('-n', ns, 'get', 'leases', '-o', 'jsonpath={.items[*].metadata.name}');
  return stdout.split(' ').filter(Boolean);
}

/** The clusters a gauge of a component has a series for. */
async function seriesClusters(app: RunningApp, metric: string): Promise<string[]> {
  const text = await app.registry.getSingleMetricAsString(metric);
  return [...text.matchAll(/cluster="([^"]+)"/g)].map((m) => m[1]!);
}

/** /redirect on the frontend's plugin; resolves with the trace ID it points at. */
async function redirect(cluster: string, resource: string, name: string, group = ''): Promise<string> {
  const params = new URLSearchParams({ ts: new Date().toISOString(), cluster, group, resource, namespace: ns, name });
  const res = await fetch(`http://127.0.0.1:${pluginOf(apps.frontend!).httpPort}/redirect?${params}`, { redirect: 'manual' });
  const text = await res.text();
  if (res.status !== 302) throw new Error(`/redirect ${params}: ${res.status} ${text}`);
  return res.headers.get('location')!.split('/').pop()!;
}

/** origin (cluster A) is the root, with copy (cluster B) its only child. */
function expectParentOverChild(tree: ReturnType<typeof traceTree>): void {
  expect([tree.root.service, tree.root.name]).toEqual([`${A} configmaps`, 'origin']);
  expect(tree.children(tree.root).map((c) => [c.service, c.name])).toEqual([[`${B} configmaps`, 'copy']]);
}

/** A display-mode file of a user's: the built-in modes, its [ancestors] admitting annotation links (class "") explicitly. */
function modesWithAnnotationAncestors(): string {
  const modes = parse(readFileSync(join(import.meta.dirname, '../../plugin/modes/default.yaml'), 'utf8')) as { modifiers: Record<string, { args: { ifAll: { linkClass?: unknown }[] } }> };
  modes.modifiers['02000000']!.args.ifAll[0]!.linkClass = { oneOf: ['children', ''] };
  const file = join(env.baseDir, `mc-${suffix}-modes.yaml`);
  writeFileSync(file, stringify(modes));
  return file;
}

/** A trace through Jaeger query in another display mode (hex digits 3-10 of the ID, e.g. 21000000). */
async function traceInMode(id: string, mode: string): Promise<UiTrace> {
  const res = await fetch(`${query.url}/api/traces/ff${mode}${id.slice(10)}`);
  const body = (await res.json()) as { data: UiTrace[] };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.data[0]!;
}

describe('two KelemetryInstances, one per cluster, sharing etcd, Redis and Jaeger', () => {
  it("each instance's diff and event controllers run in its own cluster only", async () => {
    for (const [own, other] of [[A, B], [B, A]] as const) {
      const name = instances[own]!.name;
      const mine = await waitFor(`${name}'s Leases in ${own}`, async () => {
        const l = await leases(own);
        return l.some((n) => n.startsWith(`${name}-diff-controller`)) && l.some((n) => n.startsWith(`${name}-event-controller`)) ? l : undefined;
      });
      expect(mine.filter((n) => n.startsWith(instances[other]!.name)), `${other}'s instance elects nothing in ${own}`).toEqual([]);
      expect(await seriesClusters(apps[`${own} informers`]!, 'diff_controller_monitors'), `${name} watches`).toEqual([own]);
    }
  });

  it('Deployments of the same namespace and name get a trace per cluster (search by cluster)', async () => {
    await kube[A]!.kubectl('-n', ns, 'create', 'deployment', 'demo', '--image=nginx:1.27', '--replicas=1');
    await kube[B]!.kubectl('-n', ns, 'create', 'deployment', 'demo', '--image=nginx:1.28', '--replicas=2');
    await kube[B]!.kubectl('-n', ns, 'scale', 'deployment', 'demo', '--replicas=3');
    const search = (cluster: string) => {
      const tags = JSON.stringify({ resource: 'deployments', namespace: ns, name: 'demo' });
      const q = new URLSearchParams({ service: 'tracing', operation: cluster, tags, start: String((windowStartMs(startedMs) - 60_000) * 1000), end: String((Date.now() + 60_000) * 1000), limit: '20' });
      return fetch(`${query.url}/api/traces?${q}`).then(async (r) => ((await r.json()) as { data: UiTrace[] }).data);
    };
    const logText = (traces: UiTrace[]) => JSON.stringify(traces.flatMap((t) => t.spans.flatMap((s) => s.logs)));
    // One trace per half-hour window the test ran in: this test may straddle a boundary.
    const windows = () => new Set([windowStartMs(startedMs), windowStartMs(Date.now())]).size;
    const found: Record<string, UiTrace[]> = {};
    for (const c of [A, B]) {
      found[c] = await waitFor(`the Deployment's trace in ${c} with its scaling events`, async () => {
        const traces = await search(c);
        return logText(traces).includes('Scaled up replica set') ? traces : undefined;
      }, { timeoutMs: 60_000, intervalMs: 1000 });
      expect(found[c]!.length, c).toBe(windows());
      for (const t of found[c]!) expect(traceTree(t).root.service).toBe(`${c} deployments`);
    }
    const ids = (c: string) => found[c]!.map((t) => t.traceID);
    expect(ids(A).filter((id) => ids(B).includes(id))).toEqual([]);
    await waitFor(`${B}'s scale diff`, async () => logText(await search(B)).includes('spec.replicas 2 -> 3'), { timeoutMs: 30_000 });
    const a = logText(await search(A));
    expect(a).toMatch(/Scaled up replica set demo-\w+ from 0 to 1/);
    expect(a).not.toMatch(/to [23]\b|spec\.replicas 2|nginx:1\.28/);

    // /redirect with cluster= picks that cluster's object of the name.
    for (const c of [A, B]) {
      const id = await redirect(c, 'deployments', 'demo', 'apps');
      expect(traceTree(await traceInMode(id, '20000000')).root.service, c).toBe(`${c} deployments`);
    }
  });

  it('a parent-link annotation in cluster B to an object in cluster A: [full tree] joins them, both ways', async () => {
    await kube[A]!.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'origin' }, data: { v: '1' } } });
    // The parent's trace first: the link job of the child then finds its span in the shared span cache.
    await waitFor('the trace of the parent in A', () => redirect(A, 'configmaps', 'origin').catch(() => undefined), { timeoutMs: 30_000, intervalMs: 500 });
    const link = { cluster: A, group: '', version: 'v1', resource: 'configmaps', namespace: ns, name: 'origin' };
    await kube[B]!.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'copy', annotations: { [parentLinkAnnotation]: JSON.stringify(link) } }, data: { v: '1' } } });

    const childId = await waitFor('the trace of the child in B', () => redirect(B, 'configmaps', 'copy').catch(() => undefined), { timeoutMs: 30_000, intervalMs: 500 });
    const fromChild = await waitFor('[full tree] of the child showing its parent', async () => {
      const t = traceTree(await traceInMode(childId, '21000000'));
      return t.root.name === 'origin' ? t : undefined;
    }, { timeoutMs: 30_000, intervalMs: 1000 });
    expectParentOverChild(fromChild);
    expectParentOverChild(traceTree(await traceInMode(await redirect(A, 'configmaps', 'origin'), '21000000')));

    // The parent has one trace per window, which carries the backward link: both instances share one span cache.
    const raw = await reader.findTraces('object', { cluster: A, resource: 'configmaps', namespace: ns, name: 'origin' }, windowStartMs(startedMs) - 60_000, Date.now() + 60_000);
    expect(raw.size).toBe(new Set([windowStartMs(startedMs), windowStartMs(Date.now())]).size);
    const links = [...raw.values()].flat().filter((s) => s.attrs.linkRole === 'child');
    expect(links.map((s) => [s.attrs.linkedCluster, s.attrs.linkedName])).toEqual([[B, 'copy']]);
  });

  it('[ancestors] shows the parent in A above the child in B, built in and from a display-mode file', async () => {
    const childId = await redirect(B, 'configmaps', 'copy');
    // The built-in [ancestors] walks up annotation links (class "") as it does owner references (class "children").
    expectParentOverChild(traceTree(await traceInMode(childId, '22000000')));

    // Instance B's frontend ships a display-mode file (spec.frontend.displayModes) with the same rule.
    const params = new URLSearchParams({ cluster: B, resource: 'configmaps', namespace: ns, name: 'copy', start: new Date(startedMs - 60_000).toISOString(), end: new Date(Date.now() + 60_000).toISOString(), displayMode: 'tracing [ancestors]' });
    const res = await fetch(`http://127.0.0.1:${pluginOf(apps[`${B} frontend`]!).httpPort}/extensions/api/v1/trace?${params}`);
    const body = await res.text();
    expect(res.status, body).toBe(200);
    expectParentOverChild(traceTree(JSON.parse(body) as UiTrace));
  });
});
