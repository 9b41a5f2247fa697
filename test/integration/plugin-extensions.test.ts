/**
 * Display-mode extensions (spec 8.9) on real servers: Kelemetry-shaped spans of a Pod and the traces of
 * another service (a "kubelet") are written to Jaeger v2's OTLP receiver; the storage plugin, started
 * with a display-mode file holding a JaegerStorage extension, reads both through Jaeger remote storage.
 * A search in the extension mode shows the kubelet trace under the Pod's object span; opening the
 * returned trace ID again (from the trace cache) reloads the recorded trace IDs and still shows it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPluginComponent } from '../../app/plugin.ts';
import type { RunningPlugin } from '../../plugin/index.ts';
import { RemoteStorageClient } from '../../plugin/backend/remoteStorage.ts';
import type { Span } from '../../plugin/model/span.ts';
import { defaultModeFile } from '../../plugin/modes/registry.ts';
import { KelemetrySpanBuilder, type VersionedObject } from '../../plugin/testing/kelemetrySpans.ts';
import { exportSpans } from '../../plugin/testing/otlpWriter.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { StoreClients } from '../../runtime/store/clients.ts';
import { createLogger } from '../../runtime/util/log.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const suffix = Math.random().toString(36).slice(2, 8);
const kubelet = `kubelet-${suffix}`;
const pod: VersionedObject = { cluster, group: '', version: 'v1', resource: 'pods', namespace: `ext-${suffix}`, name: 'web-0' };
const minute = 60_000;
const extensionMode = 'tracing [kubelet]';

let plugin: RunningPlugin;
let stores: StoreClients;
let registry: Registry;
let dir: string;
let client: RemoteStorageClient;
const nowMs = Date.now();
const range = { startUs: (nowMs - 10 * minute) * 1000, endUs: (nowMs + minute) * 1000 };

/** A kubelet trace about the Pod: `sync pod` with a `pull image` child, tagged with the Pod's API path. */
function kubeletTrace(): Span[] {
  const traceId = randomBytes(16).toString('hex');
  const span = (spanId: string, name: string, parentId?: string): Span => ({
    traceId,
    spanId,
    ...(parentId ? { parentId } : {}),
    name,
    service: kubelet,
    kind: 1,
    startUs: (nowMs - 2 * minute) * 1000,
    durationUs: 2_000_000,
    tags: new Map([['k8s.object', `/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`]]),
    logs: [],
    warnings: [],
  });
  const root = randomBytes(8).toString('hex');
  return [span(root, 'sync pod'), span(randomBytes(8).toString('hex'), 'pull image', root)];
}

async function waitForSpans(spans: Span[]): Promise<void> {
  const rs = new RemoteStorageClient({ address: env.jaeger.storage.remoteStorage, timeoutMs: 5000, maxReceiveMessageMiB: 16 });
  try {
    for (let i = 0; ; i++) {
      const found = await rs.getTraces([...new Set(spans.map((s) => s.traceId))].map((traceId) => ({ traceId })));
      const n = [...found.values()].reduce((sum, list) => sum + list.length, 0);
      if (n === spans.length) return;
      if (i > 100) throw new Error(`remote storage has ${n} of ${spans.length} spans after 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    rs.close();
  }
}

/** The built-in modes plus one JaegerStorage extension modifier. */
function modeFile(): string {
  const doc = parse(readFileSync(defaultModeFile, 'utf8')) as { modifiers: Record<string, unknown> };
  doc.modifiers['00000001'] = {
    priority: 10,
    displayName: 'kubelet',
    modifierName: 'extension',
    args: { kind: 'JaegerStorage', modifierClass: 'kubelet', service: kubelet, tagTemplates: { 'k8s.object': '{{.objectApiPath}}' }, forObject: true, totalTimeout: '10s' },
  };
  const path = join(dir, 'modes.yaml');
  writeFileSync(path, stringify(doc));
  return path;
}

async function metric(op: string): Promise<number> {
  const m = (await registry.getSingleMetric('frontend_extension_fetch_seconds')!.get()).values as { metricName?: string; labels: Record<string, unknown>; value: number }[];
  return m.filter((v) => v.metricName === 'frontend_extension_fetch_seconds_count' && v.labels.op === op && v.labels.result === 'ok').reduce((n, v) => n + v.value, 0);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kelemetry-ext-'));
  const b = new KelemetrySpanBuilder();
  b.audit(pod, nowMs - 3 * minute, { verb: 'create', snapshot: { metadata: { name: pod.name } } });
  b.event(pod, nowMs - 2 * minute, { reason: 'Scheduled', message: 'assigned', source: 'default-scheduler' });
  const written = [...b.spans, ...kubeletTrace(), ...kubeletTrace()];
  await exportSpans(env.jaeger.storage.otlpGrpc, written);
  await waitForSpans(written);

  const config = parseConfig({
    clusters: [{ name: cluster }],
    plugin: {
      grpcListen: '127.0.0.1:0',
      backend: { remoteStorage: env.jaeger.storage.remoteStorage },
      displayModeFile: modeFile(),
      // No in-process memo: opening a trace ID goes through the trace cache and remote storage.
      renderMemo: { ttl: '0s' },
    },
  });
  stores = new StoreClients(config.stores);
  registry = new Registry();
  plugin = await startPluginComponent({ ...config, plugin: config.plugin! }, { logger: createLogger({ level: 'warn' }), registry, stores });
  client = new RemoteStorageClient({ address: `127.0.0.1:${plugin.grpcPort}`, timeoutMs: 30_000, maxReceiveMessageMiB: 16 });
});

afterAll(async () => {
  client?.close();
  await plugin?.stop();
  await stores?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const search = (service: string) => client.findTraces({ service, operation: cluster, attributes: { resource: 'pods', namespace: pod.namespace, name: pod.name }, ...range, searchDepth: 10 });

/** The Pod's object span (the root) and the kubelet spans, checked to hang under it as written. */
function kubeletSpansUnderPod(spans: Span[]): Span[] {
  const root = spans.filter((s) => !s.parentId);
  expect(root, 'one root span').toHaveLength(1);
  const ext = spans.filter((s) => s.service === kubelet);
  const syncs = ext.filter((s) => s.name === 'sync pod');
  expect(syncs).toHaveLength(2);
  for (const s of syncs) expect(s.parentId).toBe(root[0]!.spanId);
  for (const pull of ext.filter((s) => s.name === 'pull image')) expect(syncs.map((s) => s.spanId)).toContain(pull.parentId);
  expect(ext.every((s) => s.traceId === root[0]!.traceId)).toBe(true);
  return ext;
}

describe('display-mode extensions (real Jaeger v2 remote storage)', () => {
  it('a JaegerStorage extension shows the other service\'s traces under the object span, also when the trace is opened again', async () => {
    const found = await search(extensionMode);
    expect(found.size).toBe(1);
    const [traceId, spans] = [...found][0]!;
    expect(traceId).toMatch(/^ff20000001e1e3e7/);
    expect(kubeletSpansUnderPod(spans!)).toHaveLength(4);
    expect(await metric('fetch')).toBe(1);

    // GetTraces of the cache trace ID: the recorded kubelet trace IDs are reloaded, not searched again.
    const opened = await client.getTraces([{ traceId: traceId! }]);
    expect(kubeletSpansUnderPod(opened.get(traceId!)!)).toHaveLength(4);
    expect(await metric('load')).toBe(1);
    expect(await metric('fetch')).toBe(1);
  });

  it('modes without the extension do not show them', async () => {
    const found = await search('tracing');
    expect(found.size).toBe(1);
    const [spans] = [...found.values()];
    expect(spans!.filter((s) => s.service === kubelet)).toEqual([]);
    expect(spans).toHaveLength(1);
  });
});
