/**
 * End to end through real servers: the kube-apiserver of the test environment sends its audit webhook
 * to our runtime (webhook → queue → consumer → aggregator with the etcd span cache → OTLP export to
 * Jaeger v2), kubectl creates, scales, re-images and deletes a Deployment, and we read the result back
 * from Jaeger remote storage through the jaeger.storage.v2 TraceReader API.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type RunningApp } from '../../app/app.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { windowOf, windowStartMs } from '../../runtime/model/window.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { TraceReaderClient, type StoredSpan } from './audit-traces.ts';

const env = inject('env');
const exec = promisify(execFile);
const kubectl = async (...args: string[]) => (await exec(env.binaries.kubectl, ['--kubeconfig', env.kube.kubeconfig, '-n', 'default', ...args])).stdout;

let app: RunningApp;
let reader: TraceReaderClient;
const name = `audit-demo-${randomBytes(3).toString('hex')}`;
const startedMs = Date.now();
let replicaSets: string[] = [];
let pods: string[] = [];

/** Polls until probe returns a value; `seen` describes the last state for the timeout message. */
async function eventually<T>(what: string, probe: (seen: (s: string) => void) => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let state = '';
  for (;;) {
    try {
      const v = await probe((s) => (state = s));
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}; last seen: ${state}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function ownedNames(kind: string, selector: string): Promise<string[]> {
  const out = JSON.parse(await kubectl('get', kind, '-l', selector, '-o', 'json')) as { items: { metadata: { name: string } }[] };
  return out.items.map((i) => i.metadata.name);
}

beforeAll(async () => {
  const config = parseConfig({
    clusters: [{ name: env.kube.clusterName }],
    tracer: { otlpEndpoint: env.jaeger.storage.otlpGrpc, scheduledDelay: '100ms' },
    stores: { etcd: { endpoints: [env.etcd.endpoint] }, spanCache: { backend: 'etcd', prefix: `/span-audit-${randomBytes(3).toString('hex')}/` } },
    audit: { webhook: { listen: `127.0.0.1:${env.auditReceiverPort}` }, queue: { partitions: 4 } },
    metrics: { listen: '127.0.0.1:0' },
  });
  app = await startApp({ config, logger: createLogger({ level: 'warn' }) });
  reader = new TraceReaderClient(env.jaeger.storage.remoteStorage);

  await kubectl('create', 'deployment', name, '--image=registry.k8s.io/pause:3.9', '--replicas=1');
  replicaSets = await eventually('first ReplicaSet', async () => ((await ownedNames('rs', `app=${name}`)).length ? ownedNames('rs', `app=${name}`) : undefined));
  await kubectl('scale', 'deployment', name, '--replicas=2');
  pods = await eventually('two pods', async () => ((await ownedNames('pods', `app=${name}`)).length >= 2 ? ownedNames('pods', `app=${name}`) : undefined));
  await kubectl('set', 'image', `deployment/${name}`, 'pause=registry.k8s.io/pause:3.10');
  replicaSets = await eventually('second ReplicaSet', async () => {
    const rs = await ownedNames('rs', `app=${name}`);
    return rs.length >= 2 ? rs : undefined;
  });
  await kubectl('delete', 'deployment', name, '--wait=false');
}, 180_000);

afterAll(async () => {
  reader?.close();
  await app?.stop();
});

/** Object traces of one object in the test's time range (object spans start at their window's start). */
async function objectTraces(resource: string, objName: string): Promise<Map<string, StoredSpan[]>> {
  return reader.findTraces('object', { cluster: env.kube.clusterName, resource, name: objName }, windowStartMs(startedMs) - 60_000, Date.now() + 60_000);
}

function describeTraces(t: Map<string, StoredSpan[]>): string {
  return JSON.stringify([...t.entries()].map(([id, spans]) => ({ id, spans: spans.map((s) => `${s.service}:${s.name}`) })));
}

const windows = () => new Set([windowOf(startedMs), windowOf(Date.now())]).size;

describe('audit webhook → one trace per object in Jaeger (real apiserver, etcd span cache, Jaeger v2)', () => {
  it('writes one object trace for the Deployment with audit spans for create, scale, set image and delete', async () => {
    const verbsSeen = (spans: StoredSpan[]) => new Set(spans.filter((s) => s.service === 'audit').map((s) => s.name));
    const traces = await eventually('the Deployment trace with all four user actions', async (seen) => {
      const t = await objectTraces('deployments', name);
      seen(describeTraces(t));
      const all = [...t.values()].flat();
      const titles = verbsSeen(all);
      const want = ['kelemetry-admin create', 'kelemetry-admin patch scale', 'kelemetry-admin patch', 'kelemetry-admin delete'];
      return want.every((w) => titles.has(w)) ? t : undefined;
    });
    // One trace per object per window (two only if the test straddled a window boundary).
    expect(traces.size).toBe(windows());
    const spans = [...traces.values()].flat();
    const roots = spans.filter((s) => s.service === 'object');
    expect(roots).toHaveLength(traces.size);
    const root = roots[0]!;
    expect(root.parentSpanId).toBe('');
    expect(root.name).toBe(`deployments/${name}`);
    expect(root.attrs).toMatchObject({
      cluster: env.kube.clusterName,
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
      namespace: 'default',
      name,
      'zzz-traceSource': 'object',
      'zzz-pseudoType': 'object',
    });
    expect(root.attrs.timeStamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);

    const audits = spans.filter((s) => s.service === 'audit');
    for (const a of audits) {
      expect(a.parentSpanId).toBe(roots.find((r) => r.traceId === a.traceId)!.spanId);
      expect(a.attrs['zzz-notPseudo']).toBe('zzz-notPseudo');
      expect(a.attrs['zzz-traceSource']).toBe('audit');
      expect(a.attrs.name).toBe(name);
      expect(a.attrs.auditId).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.attrs.apiserver).toBe('127.0.0.1');
    }
    const byTitle = (t: string) => audits.find((s) => s.name === t)!;
    expect(byTitle('kelemetry-admin create').attrs).toMatchObject({ username: 'kelemetry-admin', tag: 'create', responseCode: '201' });
    expect(byTitle('kelemetry-admin patch scale').attrs).toMatchObject({ username: 'kelemetry-admin', tag: 'patch', responseCode: '200' });
    expect(byTitle('kelemetry-admin patch').attrs).toMatchObject({ tag: 'patch', responseCode: '200' });
    expect(byTitle('kelemetry-admin delete').attrs).toMatchObject({ tag: 'delete', responseCode: '200' });
    expect(byTitle('kelemetry-admin create').attrs.userAgent).toMatch(/^kubectl/);
    // The deployment controller's status updates land in the same trace, under its own service account.
    const statusUpdates = audits.filter((s) => s.name.endsWith(' update status'));
    expect(statusUpdates.map((s) => s.attrs.userAgent).join(' '), describeTraces(traces)).toMatch(/kube-controller-manager/);
  });

  it('writes separate object traces for the ReplicaSets and Pods the controllers created', async () => {
    expect(replicaSets.length).toBeGreaterThanOrEqual(2);
    for (const rs of replicaSets) {
      const t = await eventually(`trace of ReplicaSet ${rs}`, async (seen) => {
        const found = await objectTraces('replicasets', rs);
        seen(describeTraces(found));
        return [...found.values()].flat().some((s) => s.service === 'audit' && s.attrs.tag === 'create') ? found : undefined;
      });
      expect(t.size).toBe(windows());
      const spans = [...t.values()].flat();
      expect(spans.find((s) => s.service === 'object')!.name).toBe(`replicasets/${rs}`);
      // Not the Deployment's trace.
      expect(spans.every((s) => s.attrs.resource === 'replicasets' && s.attrs.name === rs)).toBe(true);
    }
    expect(pods.length).toBeGreaterThanOrEqual(2);
    for (const pod of pods) {
      const t = await eventually(`trace of Pod ${pod}`, async (seen) => {
        const found = await objectTraces('pods', pod);
        seen(describeTraces(found));
        // Pods are created with generateName: the name is taken from the response object.
        return [...found.values()].flat().some((s) => s.service === 'audit' && s.attrs.tag === 'create') ? found : undefined;
      });
      const spans = [...t.values()].flat();
      expect(spans.find((s) => s.service === 'object')!.attrs).toMatchObject({ group: '', version: 'v1', resource: 'pods', name: pod });
    }
  });

  it('counts what it did in Prometheus metrics', async () => {
    const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
    expect(text).toMatch(new RegExp(`audit_webhook_request_count\\{cluster="${env.kube.clusterName}",code="200"\\} [1-9]`));
    expect(text).toMatch(/aggregator_send_count\{[^}]*traceSource="audit",success="true"[^}]*\} [1-9]/);
    expect(text).toMatch(/spancache_fetch_or_reserve_count\{backend="etcd",result="reserved"\} [1-9]/);
    expect(text).toMatch(/tracer_spans_exported_total [1-9]/);
    expect(text).not.toMatch(/tracer_spans_dropped_total\{[^}]*\} [1-9]/);
    expect((await fetch(`${app.metricsUrl}/readyz`)).status).toBe(200);
  });
});
