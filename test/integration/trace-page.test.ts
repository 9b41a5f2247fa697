/**
 * The plugin's own trace page in a real browser: kube-apiserver's audit webhook, the diff and event
 * controllers and the linkers write a Deployment's story (create, annotate, set image; pods on the kwok
 * node) through the aggregator to Jaeger v2; the plugin reads it back through remote storage and serves
 * /ui/; headless chromium opens it, and the checks read the DOM it rendered. An annotation holding a
 * <script> reaches the page as a diff line and must stay text; a Secret's values never show.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type RunningApp } from '../../app/app.ts';
import type { RunningPlugin } from '../../plugin/index.ts';
import { withMode } from '../../plugin/page/modes.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { dumpDom, findChromium } from './helpers/chromium.ts';
import { createTestNamespace, kubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const exec = promisify(execFile);
const cluster = env.kube.clusterName;
const kube = kubeClients(env);
const election = { leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s' };
const evil = '<script>document.title="pwned"</script>';
const secretValues = [`hunter2-${Date.now()}`, `s3cret-${Date.now()}`];
let app: RunningApp;
let chromium: string;
let ns: string;
let pluginUrl: string;
/** The Deployment's trace, tracing + full tree. */
let fullTreeId: string;

const kubectl = async (...args: string[]) => (await exec(env.binaries.kubectl, ['--kubeconfig', env.kube.kubeconfig, '-n', ns, ...args])).stdout;

async function applySecret(value: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile(env.binaries.kubectl, ['--kubeconfig', env.kube.kubeconfig, 'apply', '-f', '-'], (err) => (err ? reject(err) : resolve()));
    child.stdin!.end(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: ns }, stringData: { password: value } }));
  });
}

function objectQuery(resource: string, name: string): URLSearchParams {
  return new URLSearchParams({ cluster, resource, namespace: ns, name, ts: new Date().toISOString() });
}

/** The trace page (HTML as served) of an object in display mode `modeHex`, found through /redirect?ui=page. */
async function servedPage(resource: string, name: string, modeHex: string): Promise<{ id: string; html: string } | undefined> {
  const res = await fetch(`${pluginUrl}/redirect?${objectQuery(resource, name)}&ui=page`, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location?.startsWith('ui/trace/')) return undefined;
  const id = withMode(location.slice('ui/trace/'.length), modeHex);
  return { id, html: await (await fetch(`${pluginUrl}/ui/trace/${id}`)).text() };
}

interface DomSpan {
  spanId: string;
  parentId: string;
  depth: number;
  service: string;
  name: string;
}

/** The span rows of a dumped trace page. */
function domSpans(dom: string): DomSpan[] {
  const rows = [...dom.matchAll(/<li class="span" id="span-\w+" data-span-id="(\w+)" data-parent-id="(\w*)" data-depth="(\d+)">([\s\S]*?)<\/li>/g)];
  return rows.map(([, spanId, parentId, depth, body]) => ({
    spanId: spanId!,
    parentId: parentId!,
    depth: Number(depth),
    service: /<span class="service">([^<]*)<\/span>/.exec(body!)?.[1] ?? '',
    name: /<span class="name">([^<]*)<\/span>/.exec(body!)?.[1] ?? '',
  }));
}

beforeAll(async () => {
  chromium = findChromium();
  ns = await createTestNamespace(kube.core, 'page');
  const config = parseConfig({
    clusters: [{ name: cluster, kubeconfig: env.kube.kubeconfig }],
    tracer: { otlpEndpoint: env.jaeger.storage.otlpGrpc, scheduledDelay: '100ms' },
    audit: { webhook: { listen: `127.0.0.1:${env.auditReceiverPort}` } },
    informers: {
      diffController: { enabled: true, leaderElection: { ...election, namespace: ns, name: 'diff-watch' }, writerElection: { ...election, namespace: ns, name: 'diff-writer' } },
      diffDecorator: { enabled: true },
      eventController: { enabled: true, configMapNamespace: ns, leaderElection: { ...election, namespace: ns, name: 'events' } },
    },
    plugin: { grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0', backend: { remoteStorage: env.jaeger.storage.remoteStorage } },
    metrics: { listen: '127.0.0.1:0' },
  });
  app = await startApp({ config, logger: createLogger({ level: 'error' }) });
  const plugin = app.components.find((c) => c.name === 'plugin') as RunningPlugin;
  pluginUrl = `http://127.0.0.1:${plugin.httpPort}`;
  // The diff controller must watch before the changes, or the annotation's diff is missing.
  await waitFor('the diff controller watching', async () => /diff_controller_monitors\{[^}]*\} [1-9]/.test(await app.registry.getSingleMetricAsString('diff_controller_monitors')));
  await new Promise((r) => setTimeout(r, 3000));

  await kubectl('create', 'deployment', 'demo', '--image=nginx:1.27', '--replicas=1');
  const deployment = () => kube.apps.readNamespacedDeployment({ name: 'demo', namespace: ns });
  await waitFor('1 available replica', async () => (await deployment()).status?.availableReplicas === 1);
  await kubectl('annotate', 'deployment', 'demo', `kelemetry.io/note=${evil}`);
  await kubectl('set', 'image', 'deployment/demo', 'nginx=nginx:1.28');
  await waitFor('the rollout', async () => {
    const d = (await deployment()).status;
    return d?.updatedReplicas === 1 && d.availableReplicas === 1 && d.replicas === 1;
  }, { timeoutMs: 90_000 });
  await applySecret(secretValues[0]!);
  await applySecret(secretValues[1]!);

  fullTreeId = await waitFor('the Deployment trace with both ReplicaSets and the annotation diff', async () => {
    const page = await servedPage('deployments', 'demo', '21000000');
    const replicaSets = page?.html.match(/<span class="service">replicasets<\/span>/g)?.length ?? 0;
    return page && replicaSets >= 2 && page.html.includes('kelemetry.io/note') ? page.id : undefined;
  }, { timeoutMs: 90_000, intervalMs: 1000 });
}, 240_000);

afterAll(async () => {
  await app?.stop();
});

describe('the plugin trace page in headless chromium (real apiserver, controllers, Jaeger v2)', () => {
  it('shows the Deployment with its ReplicaSets nested under it, its log lines, bars and the other display modes', async () => {
    const dom = await dumpDom(chromium, `${pluginUrl}/ui/trace/${fullTreeId}`);
    const spans = domSpans(dom);
    const root = spans.find((s) => s.depth === 0);
    // The root's service carries the cluster (ClusterNameVisitor), its name the time range it covers.
    expect(root, dom.slice(0, 2000)).toMatchObject({ service: `${cluster} deployments`, name: expect.stringMatching(new RegExp(`^${ns} demo / `)), parentId: '' });
    const replicaSets = spans.filter((s) => s.service === 'replicasets');
    expect(replicaSets.length).toBeGreaterThanOrEqual(2);
    for (const rs of replicaSets) expect(rs).toMatchObject({ parentId: root!.spanId, depth: 1, name: expect.stringMatching(new RegExp(`^${ns} demo-`)) });
    expect(dom).toMatch(/<td class="key">audit<\/td><td class="line">kelemetry-admin create<\/td>/);
    expect(dom).toMatch(/<span class="bar" style="left:\d+\.\d{3}%;width:\d+\.\d{3}%"><\/span>/);
    expect(dom).toContain(`aria-current="page">tracing [full tree]</a>`);
    expect(dom).toContain(`<a href="${withMode(fullTreeId, '31000000')}">grouped [full tree]</a>`);
  });

  it('renders the <script> of an annotation as text: no script element, the title untouched', async () => {
    const dom = await dumpDom(chromium, `${pluginUrl}/ui/trace/${fullTreeId}`);
    expect(dom).not.toMatch(/<script/i);
    expect(dom).toContain('&lt;script&gt;document.title=');
    expect(/<title>([^<]*)<\/title>/.exec(dom)?.[1]).toMatch(new RegExp(`^${cluster} deployments ${ns} demo / [0-9:.]+ – Kelemetry$`));
  });

  it('takes a browser from /redirect?ui=page and from the search form to the trace page', async () => {
    const viaRedirect = await dumpDom(chromium, `${pluginUrl}/redirect?${objectQuery('deployments', 'demo')}&ui=page`);
    expect(viaRedirect).toContain('aria-current="page">tracing</a>');
    expect(domSpans(viaRedirect)[0]).toMatchObject({ service: `${cluster} deployments`, name: expect.stringMatching(new RegExp(`^${ns} demo / `)) });

    const form = await dumpDom(chromium, `${pluginUrl}/`);
    expect(form).toContain('<form class="search" method="get" action="search">');
    expect(form).toContain(`<option value="${cluster}" selected="">${cluster}</option>`);

    const search = new URLSearchParams({ cluster, resource: 'deployments', namespace: ns, name: 'demo', ts: '', mode: '31000000' });
    const viaForm = await dumpDom(chromium, `${pluginUrl}/ui/search?${search}`);
    expect(viaForm).toContain('aria-current="page">grouped [full tree]</a>');
    expect(domSpans(viaForm).filter((s) => s.service === 'replicasets').length).toBeGreaterThanOrEqual(2);
  });

  it("never shows a Secret's values", async () => {
    const page = await waitFor('the Secret trace with its update', async () => {
      const p = await servedPage('secrets', 'creds', '20000000');
      return p && /kelemetry-admin (patch|update)/.test(p.html) ? p : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    const dom = await dumpDom(chromium, `${pluginUrl}/ui/trace/${page.id}`);
    expect(domSpans(dom)[0]).toMatchObject({ service: `${cluster} secrets`, name: expect.stringMatching(new RegExp(`^${ns} creds / `)) });
    for (const v of secretValues) {
      expect(dom).not.toContain(v);
      expect(dom).not.toContain(Buffer.from(v).toString('base64'));
    }
  });
});
