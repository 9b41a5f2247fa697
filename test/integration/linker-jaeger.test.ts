/**
 * End to end through the real servers: kube-apiserver (audit webhook at RequestResponse level, with
 * controller-manager and kwok) → our audit pipeline with the diff decorator → real aggregator → OTLP →
 * Jaeger v2 storage; plus the diff controller, event controller and linkers watching the same apiserver.
 * Checked in Jaeger (query over remote storage): the Deployment scenario's diffs and deletion snapshot,
 * ScalingReplicaSet event spans, and owner links Deployment ⇄ both ReplicaSets.
 */
import { execFile } from 'node:child_process';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SpanAggregator } from '../../runtime/aggregator/aggregator.ts';
import { startAuditPipeline, type RunningAuditPipeline } from '../../runtime/audit/pipeline.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { startInformers, type StartedInformers } from '../../app/informers.ts';
import { createSpanCache } from '../../runtime/spancache/index.ts';
import { StoreClients } from '../../runtime/store/clients.ts';
import { createOtlpExporter, OtlpTracer } from '../../runtime/tracer/otlp.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { getJson, type JaegerResponse, type JaegerSpan, type JaegerTrace } from './helpers/http.ts';
import { createTestNamespace, kubeClients, kubectlFor, runDeploymentScenario } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const kube = kubeClients(env);
const logger = createLogger({ level: 'warn' });
const suffix = Math.random().toString(36).slice(2, 8);
const kubectl = kubectlFor(env);
const election = { leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s' };

const tag = (s: JaegerSpan, key: string) => s.tags.find((t) => t.key === key)?.value;
const logText = (s: JaegerSpan, type: string) =>
  s.logs.filter((l) => l.fields.some((f) => f.key === 'zzz-logType' && f.value === type)).map((l) => String(l.fields.find((f) => f.key === 'event')?.value ?? ''));

async function traces(service: string, tags: Record<string, string>): Promise<JaegerTrace[]> {
  const q = new URLSearchParams({ service, tags: JSON.stringify(tags), lookback: '2h', limit: '50' });
  const res = await getJson<JaegerResponse<JaegerTrace[]>>(`${env.jaeger.query.url}/api/traces?${q}`);
  return res.body?.data ?? [];
}

describe('Deployment scenario end to end, verified in Jaeger (real apiserver, Jaeger v2)', () => {
  let tracer: OtlpTracer;
  let informers: StartedInformers;
  let audit: RunningAuditPipeline;
  let ns: string;
  let stores: StoreClients;
  const registry = new Registry();

  beforeAll(async () => {
    const config = parseConfig({
      clusters: [{ name: cluster, kubeconfig: env.kube.kubeconfig }],
      tracer: { otlpEndpoint: env.jaeger.storage.otlpGrpc, scheduledDelay: '200ms', pseudoSpanTags: { runId: suffix } },
      audit: {},
      informers: {
        diffController: { enabled: true, leaderElection: { ...election, name: `e2e-diff-${suffix}` }, writerElection: { ...election, name: `e2e-writer-${suffix}` } },
        diffDecorator: { enabled: true },
        eventController: { enabled: true, configMapName: `e2e-events-${suffix}`, leaderElection: { ...election, name: `e2e-events-${suffix}` } },
      },
    });
    stores = new StoreClients(config.stores);
    tracer = new OtlpTracer(config.tracer!, { exporter: createOtlpExporter(config.tracer!), logger, registry });
    const spanCache = createSpanCache(config.stores.spanCache, { stores, registry });
    const aggregator = new SpanAggregator({ spanTtl: config.spanTtl, reserveTtl: 10_000, pseudoSpanTags: config.tracer!.pseudoSpanTags }, { spanCache, tracer, registry, logger });
    informers = startInformers(config, { logger, registry, stores, aggregator, spanCache });
    audit = await startAuditPipeline(config.audit!, { clusters: config.clusters, aggregator, decorators: informers.decorators, registry, logger, listen: { host: '127.0.0.1', port: env.auditReceiverPort } });
    ns = await createTestNamespace(kube.core, 'e2e');
    // The diff controller must be watching before the scenario starts (creation snapshots).
    await waitFor('diff controller watching', async () => {
      const text = await registry.getSingleMetricAsString('diff_controller_monitors');
      return /diff_controller_monitors\{[^}]*\} [1-9]/.test(text);
    });
    await new Promise((r) => setTimeout(r, 3000));
  });
  afterAll(async () => {
    for (const c of informers?.stopBeforeAudit ?? []) await c.stop();
    await audit?.stop();
    for (const c of [...(informers?.components ?? [])].reverse()) await c.stop();
    await tracer?.shutdown().catch(() => {});
    await stores?.close();
  });

  it('writes diffs, the deletion snapshot, event spans and owner links', async () => {
    let sets: string[] = [];
    await runDeploymentScenario({
      kubectl,
      apps: kube.apps,
      namespace: ns,
      afterRollout: async () => {
        sets = (await kube.apps.listNamespacedReplicaSet({ namespace: ns })).items.map((r) => r.metadata!.name!);
      },
    });
    expect(sets).toHaveLength(2);

    const spans = await waitFor(
      'the Deployment trace with its delete snapshot',
      async () => {
        const found = await traces('audit', { namespace: ns, name: 'demo', resource: 'deployments' });
        const all = found.flatMap((t) => t.spans);
        const del = all.find((s) => s.operationName.endsWith(' delete'));
        return del && logText(del, 'audit/objectSnapshot').length ? all : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    const diffLines = spans.flatMap((s) => logText(s, 'audit/objectDiff')).join('').split('\n');
    expect(diffLines).toContain('status.observedGeneration 1 -> 2');
    expect(diffLines).toContain('spec.replicas 2 -> 4');
    expect(diffLines.filter((l) => l.includes('managedFields'))).toEqual([]);
    const del = spans.find((s) => s.operationName.endsWith(' delete'))!;
    expect(JSON.parse(logText(del, 'audit/objectSnapshot')[0]!).metadata.name).toBe('demo');

    const events = await waitFor('ScalingReplicaSet event spans', async () => {
      const all = (await traces('event', { namespace: ns, name: 'demo', resource: 'deployments' })).flatMap((t) => t.spans);
      const scaling = all.filter((s) => s.operationName === 'ScalingReplicaSet');
      return scaling.length >= 3 ? scaling : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    expect(logText(events[0]!, 'event/message')[0]).toMatch(/replica set demo-/);

    // Owner links: backward link spans in the Deployment's trace (linkRole=child), forward ones in each ReplicaSet's.
    const links = await waitFor('child links of the Deployment', async () => {
      const all = (await traces('link', { namespace: ns, name: 'demo', resource: 'deployments' })).flatMap((t) => t.spans);
      const children = all.filter((s) => tag(s, 'linkRole') === 'child').map((s) => String(tag(s, 'linkedName')));
      return sets.every((n) => children.includes(n)) ? all : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    expect(links.filter((s) => tag(s, 'linkRole') === 'child').every((s) => tag(s, 'linkClass') === 'children' && tag(s, 'linkedResource') === 'replicasets')).toBe(true);
    for (const rs of sets) {
      const fwd = (await traces('link', { namespace: ns, name: rs, resource: 'replicasets' })).flatMap((t) => t.spans);
      expect(fwd.some((s) => tag(s, 'linkRole') === 'parent' && tag(s, 'linkedName') === 'demo' && tag(s, 'linkedResource') === 'deployments'), rs).toBe(true);
    }
  });

  it('records no Secret value in any span (audit diff of a Secret update)', async () => {
    const values = [`hunter2-${suffix}`, `s3cret-${suffix}`];
    const apply = (v: string) =>
      new Promise<void>((resolve, reject) => {
        const child = execFile(env.binaries.kubectl, ['--kubeconfig', env.kube.kubeconfig, 'apply', '-f', '-'], (err) => (err ? reject(err) : resolve()));
        child.stdin!.end(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: ns }, stringData: { password: v } }));
      });
    await apply(values[0]!);
    await apply(values[1]!);
    const spans = await waitFor('the Secret update span with its diff', async () => {
      const all = (await traces('audit', { namespace: ns, name: 'creds', resource: 'secrets' })).flatMap((t) => t.spans);
      return all.some((s) => logText(s, 'audit/objectDiff').length > 0) ? all : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    expect(spans.flatMap((s) => logText(s, 'audit/objectDiff')).join('')).toContain('data.password "<redacted>" -> "<redacted: changed>"');
    const text = JSON.stringify(spans);
    for (const v of values) {
      expect(text).not.toContain(v);
      expect(text).not.toContain(Buffer.from(v).toString('base64'));
    }
  });
});
