/**
 * Links that follow the object (issue 15 item 11), end to end on the real servers: kube-apiserver audit →
 * our audit pipeline → real aggregator and linkers → OTLP → Jaeger v2; read back through the plugin's
 * Reader over Jaeger remote storage in the `[full tree]` and `[ancestors]` families. An owner reference or
 * a parent-link annotation added after the object was created (same window) must show in both families,
 * and an annotated child's ancestors must show its parent as an owner-referenced child's do.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startInformers, type StartedInformers } from '../../app/informers.ts';
import { JaegerStorageBackend } from '../../plugin/backend/jaegerStorage.ts';
import { RemoteStorageClient } from '../../plugin/backend/remoteStorage.ts';
import { PluginMetrics } from '../../plugin/metrics.ts';
import type { Span } from '../../plugin/model/span.ts';
import { loadDisplayModes } from '../../plugin/modes/registry.ts';
import { Reader } from '../../plugin/reader/reader.ts';
import { RenderMemo } from '../../plugin/reader/renderMemo.ts';
import { MemoryTraceCache } from '../../plugin/tracecache/memory.ts';
import { SpanAggregator } from '../../runtime/aggregator/aggregator.ts';
import { startAuditPipeline, type RunningAuditPipeline } from '../../runtime/audit/pipeline.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { parentLinkAnnotation } from '../../runtime/model/constants.ts';
import { createSpanCache } from '../../runtime/spancache/index.ts';
import { StoreClients } from '../../runtime/store/clients.ts';
import { createOtlpExporter, OtlpTracer } from '../../runtime/tracer/otlp.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { createTestNamespace, kubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const kube = kubeClients(env);
const logger = createLogger({ level: 'warn' });
const suffix = Math.random().toString(36).slice(2, 8);
const startMs = Date.now() - 5 * 60_000;

interface Family {
  spans: Span[];
  root: Span;
  /** Object name → the name of the object its span hangs under ('' for the root). */
  parentOf: Map<string, string>;
}

/** One search in a display mode; the family of the searched object as object name → parent object name. */
async function family(reader: Reader, mode: string, namespace: string, name: string): Promise<Family | undefined> {
  const found = await reader.findTraces({
    service: mode,
    operation: cluster,
    attributes: { resource: 'configmaps', namespace, name },
    startUs: startMs * 1000,
    endUs: (Date.now() + 60_000) * 1000,
    limit: 0,
  });
  if (found.length !== 1) return undefined;
  const spans = found[0]!.spans;
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const objectName = (s: Span | undefined): string => (s ? String(s.tags.get('name') ?? '') : '');
  const parentOf = new Map<string, string>();
  for (const s of spans) if (s.tags.has('name')) parentOf.set(objectName(s), objectName(s.parentId ? byId.get(s.parentId) : undefined));
  const roots = spans.filter((s) => !s.parentId);
  return roots.length === 1 ? { spans, root: roots[0]!, parentOf } : undefined;
}

/** Waits until the search in `mode` shows `child` directly under `parent` (the last family seen on failure). */
async function waitForParent(reader: Reader, mode: string, namespace: string, search: string, child: string, parent: string): Promise<Family> {
  let last: Family | undefined;
  try {
    return await waitFor(
      `${mode} of ${search}: ${child} under ${parent}`,
      async () => {
        last = await family(reader, mode, namespace, search);
        return last?.parentOf.get(child) === parent ? last : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1000 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; family seen: ${JSON.stringify([...(last?.parentOf ?? [])])}`, { cause: err });
  }
}

describe('links follow the object (real apiserver, Jaeger v2, plugin reader)', () => {
  let tracer: OtlpTracer;
  let informers: StartedInformers;
  let audit: RunningAuditPipeline;
  let stores: StoreClients;
  let remote: RemoteStorageClient;
  let reader: Reader;
  let ns: string;
  const registry = new Registry();

  beforeAll(async () => {
    const config = parseConfig({
      clusters: [{ name: cluster, kubeconfig: env.kube.kubeconfig }],
      tracer: { otlpEndpoint: env.jaeger.storage.otlpGrpc, scheduledDelay: '200ms', pseudoSpanTags: { runId: suffix } },
      audit: {},
      informers: {},
    });
    stores = new StoreClients(config.stores);
    tracer = new OtlpTracer(config.tracer!, { exporter: createOtlpExporter(config.tracer!), logger, registry });
    const spanCache = createSpanCache(config.stores.spanCache, { stores, registry });
    const aggregator = new SpanAggregator({ spanTtl: config.spanTtl, reserveTtl: 10_000, pseudoSpanTags: config.tracer!.pseudoSpanTags }, { spanCache, tracer, registry, logger });
    informers = startInformers(config, { logger, registry, stores, aggregator, spanCache });
    audit = await startAuditPipeline(config.audit!, { clusters: config.clusters, aggregator, decorators: informers.decorators, registry, logger, listen: { host: '127.0.0.1', port: env.auditReceiverPort } });

    remote = new RemoteStorageClient({ address: env.jaeger.storage.remoteStorage, timeoutMs: 5000, maxReceiveMessageMiB: 16 });
    const metrics = new PluginMetrics(new Registry());
    reader = new Reader({
      backend: new JaegerStorageBackend(remote, 100, metrics),
      cache: new MemoryTraceCache({ ttl: 60_000 }),
      memo: new RenderMemo(0, 100),
      modes: loadDisplayModes(),
      metrics,
      logger,
      spanTtlMs: config.spanTtl,
      followLinks: { inList: true, concurrency: 4, limit: 50, maxDepth: 5, timeoutMs: 10_000 },
    });
    ns = await createTestNamespace(kube.core, 'follow');
  });
  afterAll(async () => {
    await audit?.stop();
    for (const c of [...(informers?.components ?? [])].reverse()) await c.stop();
    await tracer?.shutdown().catch(() => {});
    await stores?.close();
    remote?.close();
  });

  const createConfigMap = async (name: string, annotations?: Record<string, string>) =>
    kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, ...(annotations ? { annotations } : {}) }, data: { step: 'created' } } });
  const parentLink = (name: string) => JSON.stringify({ group: '', version: 'v1', resource: 'configmaps', namespace: ns, name });
  /** Lets the create reach its trace first, so the later change lands in an existing object span (same window). */
  const waitForTrace = (name: string) => waitFor(`the trace of ${name}`, async () => (await family(reader, 'tracing', ns, name)) !== undefined, { timeoutMs: 30_000, intervalMs: 500 });

  it('an ownerReference added after create shows in the owner’s [full tree] and the child’s [ancestors]', async () => {
    const owner = await createConfigMap('adopter');
    await createConfigMap('adopted');
    await waitForTrace('adopted');
    await kube.core.patchNamespacedConfigMap({
      name: 'adopted',
      namespace: ns,
      body: [{ op: 'add', path: '/metadata/ownerReferences', value: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'adopter', uid: owner.metadata!.uid!, controller: true }] }],
    });
    const full = await waitForParent(reader, 'tracing [full tree]', ns, 'adopter', 'adopted', 'adopter');
    expect(full.root.tags.get('name')).toBe('adopter');
    const ancestors = await waitForParent(reader, 'tracing [ancestors]', ns, 'adopted', 'adopted', 'adopter');
    expect(ancestors.root.tags.get('name')).toBe('adopter');
  });

  it('a parent-link annotation added after create shows in the parent’s [full tree] and the child’s [ancestors]', async () => {
    await createConfigMap('late-parent');
    await createConfigMap('late-child');
    await waitForTrace('late-child');
    await kube.core.patchNamespacedConfigMap({
      name: 'late-child',
      namespace: ns,
      body: [{ op: 'add', path: '/metadata/annotations', value: { [parentLinkAnnotation]: parentLink('late-parent') } }],
    });
    const full = await waitForParent(reader, 'tracing [full tree]', ns, 'late-parent', 'late-child', 'late-parent');
    expect(full.root.tags.get('name')).toBe('late-parent');
    const ancestors = await waitForParent(reader, 'tracing [ancestors]', ns, 'late-child', 'late-child', 'late-parent');
    expect(ancestors.root.tags.get('name')).toBe('late-parent');
  });

  it('an annotated child’s [ancestors] shows its parent, as its [full tree] does', async () => {
    await createConfigMap('anno-parent');
    await createConfigMap('anno-child', { [parentLinkAnnotation]: parentLink('anno-parent') });
    await waitForParent(reader, 'tracing [full tree]', ns, 'anno-child', 'anno-child', 'anno-parent');
    const ancestors = await waitForParent(reader, 'tracing [ancestors]', ns, 'anno-child', 'anno-child', 'anno-parent');
    expect(ancestors.root.tags.get('name')).toBe('anno-parent');
    // And from the parent downwards, as [owned objects] follows owner references.
    await waitForParent(reader, 'tracing [owned objects]', ns, 'anno-parent', 'anno-child', 'anno-parent');
  });
});
