/**
 * The resource tagger (spec 4.7) end to end on real servers: the environment's kube-apiserver sends audit
 * events to `kelemetry run`'s consumer, the scheduler binds a Pod to the kwok node and kwok reports it
 * running; the Pod's audit spans in Jaeger v2 carry `nodes=<node>`, and the storage plugin (same process,
 * reading Jaeger remote storage) shows `nodes` on the Pod's object span through ObjectTagsVisitor.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type RunningApp } from '../../app/app.ts';
import type { RunningPlugin } from '../../plugin/index.ts';
import { loadProtos } from '../../plugin/proto/load.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { windowStartMs } from '../../runtime/model/window.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { TraceReaderClient, type StoredSpan } from './audit-traces.ts';
import { createTestNamespace, kubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const startedMs = Date.now();
let app: RunningApp;
let reader: TraceReaderClient;
let ns: string;

interface KV {
  key: string;
  value?: { string_value?: string } | null;
}
type Chunk = { resource_spans: { scope_spans: { spans: { parent_span_id: Buffer; attributes: KV[] }[] }[] }[] };

/** The plugin's rendered search result (display mode `tracing`), as Jaeger query would receive it. */
async function renderedSpans(name: string): Promise<{ root: boolean; attrs: Record<string, string> }[]> {
  const plugin = app.components.find((c) => c.name === 'plugin') as RunningPlugin;
  const { TraceReader } = loadProtos();
  const client = new TraceReader(`127.0.0.1:${plugin.grpcPort}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, (req: unknown) => grpc.ClientReadableStream<Chunk>>;
  const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: 0 });
  const attributes = Object.entries({ resource: 'pods', namespace: ns, name }).map(([key, v]) => ({ key, value: { string_value: v } }));
  const query = { service_name: 'tracing', operation_name: cluster, attributes, start_time_min: ts(windowStartMs(startedMs) - 60_000), start_time_max: ts(Date.now() + 60_000), search_depth: 20 };
  try {
    return await new Promise((resolve, reject) => {
      const out: { root: boolean; attrs: Record<string, string> }[] = [];
      const call = client.FindTraces!({ query });
      call.on('data', (td: Chunk) =>
        td.resource_spans.forEach((rs) =>
          rs.scope_spans.forEach((ss) =>
            ss.spans.forEach((s) => out.push({ root: !s.parent_span_id?.length, attrs: Object.fromEntries(s.attributes.map((a) => [a.key, a.value?.string_value ?? ''])) })),
          ),
        ),
      );
      call.on('error', reject);
      call.on('end', () => resolve(out));
    });
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  const kube = kubeClients(env);
  ns = await createTestNamespace(kube.core, 'tagger');
  const config = parseConfig({
    clusters: [{ name: cluster }],
    tracer: { otlpEndpoint: env.jaeger.storage.otlpGrpc, scheduledDelay: '100ms' },
    audit: { webhook: { listen: `127.0.0.1:${env.auditReceiverPort}` } },
    plugin: { grpcListen: '127.0.0.1:0', backend: { remoteStorage: env.jaeger.storage.remoteStorage }, renderMemo: { ttl: '0s' } },
    metrics: { listen: '127.0.0.1:0' },
  });
  app = await startApp({ config, logger: createLogger({ level: 'warn' }) });
  reader = new TraceReaderClient(env.jaeger.storage.remoteStorage);
  await kube.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'tagged' }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } } });
  await waitFor('the Pod running on the kwok node', async () => (await kube.core.readNamespacedPod({ name: 'tagged', namespace: ns })).status?.phase === 'Running', { timeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  reader?.close();
  await app?.stop();
});

describe('resource tagger: Pods carry their node (real apiserver, scheduler, kwok, Jaeger v2)', () => {
  it("the Pod's audit spans written after scheduling carry nodes=<node>", async () => {
    const spans = await waitFor('an audit span of the Pod with nodes', async () => {
      const traces = await reader.findTraces('audit', { cluster, resource: 'pods', namespace: ns, name: 'tagged' }, windowStartMs(startedMs) - 60_000, Date.now() + 60_000);
      const all: StoredSpan[] = [...traces.values()].flat();
      return all.some((s) => s.attrs.nodes) ? all : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    const tagged = spans.filter((s) => s.attrs.nodes);
    expect(new Set(tagged.map((s) => s.attrs.nodes))).toEqual(new Set([env.kube.nodeName]));
    // Written before the scheduler chose a node, the create has nothing to tag.
    const create = spans.find((s) => s.name === 'kelemetry-admin create');
    expect(create).toBeDefined();
    expect(create!.attrs.nodes).toBeUndefined();
  });

  it('the display (ObjectTagsVisitor) shows nodes on the Pod object span', async () => {
    const spans = await waitFor('the rendered Pod trace', async () => {
      const s = await renderedSpans('tagged');
      return s.some((x) => x.root && x.attrs.nodes) ? s : undefined;
    }, { timeoutMs: 30_000, intervalMs: 1000 });
    const root = spans.find((s) => s.root)!;
    expect(root.attrs).toMatchObject({ resource: 'pods', name: 'tagged', nodes: env.kube.nodeName });
  });
});
