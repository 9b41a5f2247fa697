/**
 * The storage plugin end to end, on real servers: Kelemetry-shaped raw spans are written to Jaeger v2's
 * OTLP receiver (memory store served by Jaeger remote storage); the plugin reads them through remote
 * storage's jaeger.storage.v2 API; a real Jaeger v2 query uses the plugin as its `grpc` backend; the
 * checks read Jaeger query's HTTP API after the plugin's /redirect, as spec 11.3/11.4 do. The trace
 * cache is the environment's Redis, shared by two plugin replicas.
 */
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPluginComponent } from '../../app/plugin.ts';
import type { RunningPlugin } from '../../plugin/index.ts';
import { RemoteStorageClient } from '../../plugin/backend/remoteStorage.ts';
import { loadProtos } from '../../plugin/proto/load.ts';
import { deploymentFamily, KelemetrySpanBuilder, type DeploymentFamily } from '../../plugin/testing/kelemetrySpans.ts';
import { exportSpans } from '../../plugin/testing/otlpWriter.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { windowStartMs } from '../../runtime/model/window.ts';
import { StoreClients } from '../../runtime/store/clients.ts';
import { createLogger, type Logger } from '../../runtime/util/log.ts';
import { startJaegerQuery } from '../../envtest/jaeger.ts';
import { stopProcess, type ProcessRecord } from '../../envtest/process.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const suffix = Math.random().toString(36).slice(2, 8);
const namespace = `plugin-${suffix}`;
const minute = 60_000;

interface UiKV {
  key: string;
  value: unknown;
}
interface UiSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  tags: UiKV[];
  logs: { timestamp: number; fields: UiKV[] }[];
  processID: string;
}
interface UiTrace {
  traceID: string;
  spans: UiSpan[];
  processes: Record<string, { serviceName: string }>;
}

const entries = (kvs: UiKV[]) => Object.fromEntries(kvs.map((kv) => [kv.key, kv.value])) as Record<string, string | undefined>;
const rootOf = (t: UiTrace) => {
  const roots = t.spans.filter((s) => s.references.length === 0);
  expect(roots, 'only one root span').toHaveLength(1);
  return roots[0]!;
};
const childrenOf = (t: UiTrace, spanId: string) => t.spans.filter((s) => s.references.some((r) => r.spanID === spanId));

let family: DeploymentFamily;
let boundaryMs: number;
let plugin: RunningPlugin;
let replica: RunningPlugin;
let queryUrl: string;
const processes: ProcessRecord[] = [];
const stores: StoreClients[] = [];

function pluginConfig(uiUrl?: string) {
  return parseConfig({
    clusters: [{ name: cluster }],
    stores: { redis: { url: env.redis.endpoint } },
    plugin: {
      grpcListen: '127.0.0.1:0',
      httpListen: '127.0.0.1:0',
      backend: { remoteStorage: env.jaeger.storage.remoteStorage },
      traceCache: { backend: 'redis', prefix: `/plugin-test-${suffix}/trace/`, ttl: '10m' },
      ...(uiUrl ? { uiUrl } : {}),
    },
  });
}

/** One plugin replica with its own store connections, as `kelemetry run` would start it. */
async function startReplica(logger: Logger, uiUrl?: string): Promise<RunningPlugin> {
  const config = pluginConfig(uiUrl);
  const clients = new StoreClients(config.stores);
  stores.push(clients);
  return startPluginComponent({ ...config, plugin: config.plugin! }, { logger, registry: new Registry(), stores: clients });
}

async function redirect(params: Record<string, string>): Promise<Response> {
  return fetch(`http://127.0.0.1:${plugin.httpPort}/redirect?${new URLSearchParams(params)}`, { redirect: 'manual' });
}

async function traceJson(id: string): Promise<UiTrace> {
  const res = await fetch(`${queryUrl}/api/traces/${id}`);
  const body = await res.text();
  expect(res.status, body).toBe(200);
  const doc = JSON.parse(body) as { data: UiTrace[] };
  expect(doc.data).toHaveLength(1);
  return doc.data[0]!;
}

beforeAll(async () => {
  // Two windows: the previous one and the current one; /redirect searches ±30 min around their boundary.
  boundaryMs = windowStartMs(Date.now());
  const builder = new KelemetrySpanBuilder();
  family = deploymentFamily(builder, { cluster, namespace, name: `demo-${suffix}`, firstWindowMs: boundaryMs - 30 * minute, windows: 2, replicaSets: 2, podsPerReplicaSet: 2 });
  await exportSpans(env.jaeger.storage.otlpGrpc, builder.spans);

  // The collector batches for ~100 ms; wait until remote storage serves every span we wrote.
  const traceIds = new Set(builder.spans.map((s) => s.traceId));
  const rs = new RemoteStorageClient({ address: env.jaeger.storage.remoteStorage, timeoutMs: 5000, maxReceiveMessageMiB: 16 });
  try {
    for (let i = 0; ; i++) {
      const found = await rs.getTraces([...traceIds].map((traceId) => ({ traceId })));
      const spans = [...found.values()].reduce((n, list) => n + list.length, 0);
      if (spans === builder.spans.length) break;
      if (i > 100) throw new Error(`remote storage has ${spans} of ${builder.spans.length} spans after 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    rs.close();
  }

  const logger = createLogger({ level: 'warn' });
  plugin = await startReplica(logger);
  replica = await startReplica(logger);
  const query = await startJaegerQuery({
    binary: env.binaries.jaeger,
    backend: `127.0.0.1:${plugin.grpcPort}`,
    dir: env.baseDir,
    logDir: env.logDir,
    log: () => {},
    name: `jaeger-query-plugin-${suffix}`,
  });
  processes.push(...query.processes);
  queryUrl = query.info.url;
});

afterAll(async () => {
  for (const p of processes) await stopProcess(p);
  await plugin?.stop();
  await replica?.stop();
  for (const s of stores) await s.close();
});

describe('storage plugin behind Jaeger v2 query (real Jaeger query, remote storage, Redis)', () => {
  it('lists display modes as services and clusters as operations, as Jaeger UI shows them', async () => {
    const services = (await (await fetch(`${queryUrl}/api/services`)).json()) as { data: string[] };
    expect(services.data).toHaveLength(16);
    expect(services.data).toEqual(expect.arrayContaining(['tracing', 'grouped', 'tree', 'timeline', 'tracing [full tree]', 'tracing [ancestors]', 'tracing [owned objects]', 'timeline [owned objects]']));
    const ops = (await (await fetch(`${queryUrl}/api/services/${encodeURIComponent('tracing [full tree]')}/operations`)).json()) as { data: string[] };
    expect(ops.data).toEqual([cluster]);
  });

  it('Deployment scenario (spec 11.3): /redirect, then mode 21000000 through Jaeger query', async () => {
    const res = await redirect({ ts: new Date(boundaryMs).toISOString().replace('.000Z', '+00:00'), cluster, group: 'apps', resource: 'deployments', namespace, name: family.deployment.name });
    expect(res.status, await res.clone().text()).toBe(302);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/trace\/ff20000000e1e3e7[0-9a-f]{16}$/);
    const id = location.split('/')[2]!;

    const trace = await traceJson(`ff21000000${id.slice(10)}`);
    const root = rootOf(trace);
    const tags = entries(root.tags);
    expect(tags.resource).toBe('deployments');
    expect(tags.name).toBe(family.deployment.name);
    const logs = root.logs.map((l) => entries(l.fields));
    const deletes = logs.filter((l) => l.audit?.endsWith(' delete'));
    expect(deletes.length).toBeGreaterThan(0);
    for (const d of deletes) expect(JSON.parse(d.snapshot!).metadata.name).toBe(family.deployment.name);
    expect(logs.some((l) => l.audit === 'kwok-admin update status')).toBe(true);
    const diffs = logs.filter((l) => l.diff !== undefined).map((l) => l.diff!);
    expect(diffs.some((d) => d.includes('status.observedGeneration 1 -> 2'))).toBe(true);
    expect(diffs.some((d) => d.includes('metadata.managedFields'))).toBe(false);
    expect(logs.some((l) => l['verbose diff']?.includes('metadata.resourceVersion'))).toBe(true);
    expect(logs.some((l) => l.event === 'ScalingReplicaSet' || l.message?.startsWith('Scaled up'))).toBe(true);

    const children = childrenOf(trace, root.spanID);
    expect(children).toHaveLength(2);
    expect(children.map((c) => entries(c.tags).name).sort()).toEqual(family.replicaSets.map((r) => r.name).sort());
    for (const rs of children) expect(childrenOf(trace, rs.spanID)).toHaveLength(2);
    expect(trace.spans.every((s) => s.tags.every((t) => !t.key.startsWith('zzz-')))).toBe(true);
    expect(trace.processes[root.processID]!.serviceName).toBe(`${cluster} deployments`);

    // Editing the mode digits re-renders the same cached search: plain tracing shows the Deployment alone.
    const plain = await traceJson(id);
    expect(plain.spans).toHaveLength(1);
    expect(childrenOf(plain, rootOf(plain).spanID)).toHaveLength(0);
  });

  it('ancestors scenario (spec 11.4): a ReplicaSet in mode 22000000 shows its Deployment as the single root', async () => {
    const first = family.replicaSets[0]!;
    const res = await redirect({ ts: new Date(boundaryMs).toISOString(), cluster, group: 'apps', resource: 'replicasets', namespace, name: first.name });
    expect(res.status, await res.clone().text()).toBe(302);
    const id = res.headers.get('location')!.split('/')[2]!;
    const trace = await traceJson(`ff22000000${id.slice(10)}`);
    const root = rootOf(trace);
    expect(entries(root.tags)).toMatchObject({ resource: 'deployments', name: family.deployment.name });
    const children = childrenOf(trace, root.spanID);
    expect(children.map((c) => entries(c.tags).name)).toEqual([first.name]);
    expect(trace.spans).toHaveLength(2);
  });

  it('a second plugin replica sharing the Redis trace cache renders the same ID in another mode', async () => {
    const params = new URLSearchParams({
      service: 'tracing',
      operation: cluster,
      tags: JSON.stringify({ resource: 'deployments', name: family.deployment.name, namespace }),
      start: String((boundaryMs - 30 * minute) * 1000),
      end: String((boundaryMs + 30 * minute) * 1000),
      limit: '20',
    });
    const search = (await (await fetch(`${queryUrl}/api/traces?${params}`)).json()) as { data: UiTrace[] };
    expect(search.data).toHaveLength(1);
    const id = search.data[0]!.traceID;
    expect(id).toMatch(/^ff20000000e1e3e7/);

    const { TraceReader } = loadProtos();
    type Chunk = { resource_spans: { scope_spans: { spans: { trace_id: Buffer }[] }[] }[] };
    const client = new TraceReader(`127.0.0.1:${replica.grpcPort}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, (req: unknown) => grpc.ClientReadableStream<Chunk>>;
    try {
      const spans: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const call = client.GetTraces!({ query: [{ trace_id: Buffer.from(`ff24000000${id.slice(10)}`, 'hex') }] });
        call.on('data', (td: Chunk) => td.resource_spans.forEach((rs) => rs.scope_spans.forEach((ss) => ss.spans.forEach((s) => spans.push(s.trace_id.toString('hex'))))));
        call.on('error', reject);
        call.on('end', resolve);
      });
      // tracing [owned objects]: Deployment + 2 ReplicaSets + 4 Pods, all under the requested ID.
      expect(spans).toHaveLength(7);
      expect(new Set(spans)).toEqual(new Set([`ff24000000${id.slice(10)}`]));
    } finally {
      client.close();
    }
  });

  it('/redirect with plugin.uiUrl: a browser-like client following redirects lands on the Jaeger UI trace page (200)', async () => {
    // Without uiUrl the relative Location resolves against the plugin's own port, where a browser gets a 404.
    const browserPlugin = await startReplica(createLogger({ level: 'warn' }), `${queryUrl}/`);
    try {
      const params = new URLSearchParams({ ts: new Date(boundaryMs).toISOString(), cluster, resource: 'deployments', namespace, name: family.deployment.name });
      const res = await fetch(`http://127.0.0.1:${browserPlugin.httpPort}/redirect?${params}`, { headers: { accept: 'text/html' } });
      expect(res.redirected).toBe(true);
      expect(res.url).toMatch(new RegExp(`^${queryUrl}/trace/ff20000000e1e3e7[0-9a-f]{16}$`));
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      // The page's trace is what Jaeger query serves for the same ID (the plugin that answered shares the cache).
      const id = res.url.split('/').pop()!;
      expect(entries(rootOf(await traceJson(id)).tags).name).toBe(family.deployment.name);
    } finally {
      await browserPlugin.stop();
    }
  });

  it('/extensions/api/v1/trace (spec 8.11): one Jaeger UI JSON trace of the object, optionally only audit logs', async () => {
    const params = (extra: Record<string, string>) =>
      new URLSearchParams({
        cluster,
        resource: 'deployments',
        namespace,
        name: family.deployment.name,
        start: new Date(boundaryMs - 30 * minute).toISOString(),
        end: new Date(boundaryMs + 30 * minute).toISOString(),
        ...extra,
      });
    const get = (extra: Record<string, string> = {}) => fetch(`http://127.0.0.1:${plugin.httpPort}/extensions/api/v1/trace?${params(extra)}`);
    const res = await get({ displayMode: 'tracing [full tree]' });
    expect(res.status).toBe(200);
    const trace = (await res.json()) as UiTrace;
    expect(trace.traceID).toMatch(/^ff21000000/);
    const root = rootOf(trace);
    expect(entries(root.tags)).toMatchObject({ resource: 'deployments', name: family.deployment.name });
    expect(childrenOf(trace, root.spanID)).toHaveLength(2);
    expect(trace.processes[root.processID]!.serviceName).toBe(`${cluster} deployments`);
    const logKeys = (t: UiTrace) => new Set(t.spans.flatMap((s) => s.logs.flatMap((l) => l.fields.map((f) => f.key))));
    expect(logKeys(trace).has('event')).toBe(true);
    const auditOnly = (await (await get({ displayMode: 'tracing [full tree]', span_type: 'audit' })).json()) as UiTrace;
    expect(auditOnly.spans.every((s) => s.logs.every((l) => l.fields.some((f) => f.key === 'audit')))).toBe(true);
    expect(auditOnly.spans.some((s) => s.logs.length > 0)).toBe(true);
    // Default mode `tracing`: the Deployment alone.
    expect(((await (await get()).json()) as UiTrace).spans).toHaveLength(1);
    expect((await get({ name: 'does-not-exist' })).status).toBe(404);
    expect((await get({ start: 'yesterday' })).status).toBe(400);
  });

  it('/redirect answers 404 when nothing matches and 400 on bad parameters', async () => {
    const ts = new Date(boundaryMs).toISOString();
    const none = await redirect({ ts, cluster, resource: 'deployments', namespace, name: 'does-not-exist' });
    expect(none.status).toBe(404);
    expect(await none.text()).toMatch(/no trace of .*does-not-exist within 30 minutes/);
    expect((await redirect({ ts: 'yesterday', cluster, resource: 'deployments', name: 'x' })).status).toBe(400);
    expect((await redirect({ ts, cluster, name: 'x' })).status).toBe(400);
    const unknown = await redirect({ ts, cluster: 'elsewhere', resource: 'deployments', name: 'x' });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toMatch(/cluster elsewhere not supported/);
  });

  it('is ready once the real remote storage has answered its probe', async () => {
    const deadline = Date.now() + 10_000;
    while (!plugin.ready?.() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(plugin.ready?.()).toBe(true);
  });

  it('gRPC surface: health SERVING, no dependencies, FindTraceSummaries UNIMPLEMENTED', async () => {
    const address = `127.0.0.1:${plugin.grpcPort}`;
    const { Health, DependencyReader } = loadProtos();
    type Unary = (req: unknown, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;
    const health = new Health(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Unary>;
    const deps = new DependencyReader(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Unary>;
    const raw = new grpc.Client(address, grpc.credentials.createInsecure());
    try {
      for (const service of ['', 'jaeger.storage.v2.TraceReader', 'jaeger.storage.v2.DependencyReader']) {
        const res = await new Promise<Record<string, unknown>>((resolve, reject) => health.Check!({ service }, (e, r) => (e ? reject(e) : resolve(r))));
        expect(res.status).toBe('SERVING');
      }
      const d = await new Promise<Record<string, unknown>>((resolve, reject) => deps.GetDependencies!({}, (e, r) => (e ? reject(e) : resolve(r))));
      expect(d.dependencies).toEqual([]);
      const code = await new Promise<number>((resolve) => {
        const call = raw.makeServerStreamRequest('/jaeger.storage.v2.TraceReader/FindTraceSummaries', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0));
        call.on('error', (e: grpc.ServiceError) => resolve(e.code));
        call.on('data', () => {});
      });
      expect(code).toBe(grpc.status.UNIMPLEMENTED);
    } finally {
      health.close();
      deps.close();
      raw.close();
    }
  });
});
