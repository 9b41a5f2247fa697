/**
 * `npm run bench -- audit [options]`: the audit pipeline under a realistic RequestResponse audit stream.
 *
 * A child process (this file with --generate) plays the kube-apiserver: it generates a mixed stream of
 * creates, patches, status updates and deletes over many objects with realistic bodies, and POSTs
 * EventList batches over loopback (retrying 429 like the apiserver). This process runs the runtime
 * (webhook → queue → consumer → aggregator → span cache → OTLP export) exporting to a local OTLP sink
 * (default) or a real collector (--otlp host:port). Measured here, so the generator's CPU is excluded:
 * events/s, CPU-seconds per 1,000 events, webhook-receipt → span-exported latency p50/p99, peak RSS,
 * dropped events.
 *
 * Options: --events N (40000)  --objects N (2000)  --batch N (400)  --concurrency N (4)  --partitions N (8)
 *          --rate N (events/s offered; default 0 = as fast as accepted, which measures saturation)
 *          --otlp host:port (local sink)  --span-cache memory|etcd|redis  --etcd URL  --redis redis://host:port
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { startApp } from '../../app/app.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { createLogger } from '../../runtime/util/log.ts';
import type { AuditEvent } from '../../runtime/audit/types.ts';

interface Options {
  events: number;
  objects: number;
  batch: number;
  concurrency: number;
  partitions: number;
  /** Events per second offered; 0 = as fast as the webhook accepts. */
  rate: number;
  otlp?: string;
  spanCache: 'memory' | 'etcd' | 'redis';
  etcd?: string;
  redis?: string;
}

function parseOptions(args: string[]): Options {
  const o: Options = { events: 40_000, objects: 2_000, batch: 400, concurrency: 4, partitions: 8, rate: 0, spanCache: 'memory' };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const v = () => inline ?? args[++i] ?? '';
    const key = flag.replace(/^--/, '');
    if (['events', 'objects', 'batch', 'concurrency', 'partitions', 'rate'].includes(key)) (o as unknown as Record<string, number>)[key] = Number(v());
    else if (key === 'otlp') o.otlp = v();
    else if (key === 'span-cache') o.spanCache = v() as Options['spanCache'];
    else if (key === 'etcd') o.etcd = v();
    else if (key === 'redis') o.redis = v();
    else throw new Error(`unknown option ${flag}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------
// The generator (child process).

/** Deterministic pseudo-random numbers, so runs are comparable. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

const kinds = [
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', weight: 1 },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', weight: 2 },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', weight: 6 },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', weight: 1 },
];

/** A body shaped like a real object: labels, annotations, managedFields, spec and status (~3-5 KB). */
function objectBody(k: (typeof kinds)[number], ns: string, name: string, rv: number, gen: number): Record<string, unknown> {
  const apiVersion = k.group ? `${k.group}/${k.version}` : k.version;
  const managed = ['kubectl-client-side-apply', 'kube-controller-manager', 'kube-scheduler'].map((manager, i) => ({
    manager,
    operation: i === 0 ? 'Update' : 'Update',
    apiVersion,
    time: '2025-01-02T10:11:12Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:tier': {} } }, 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:resources': {} } } } } } },
  }));
  const container = {
    name: 'app',
    image: `registry.example.com/team/app:${gen}.0.${rv % 7}`,
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'REGION', value: 'eu-west-1' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
  };
  return {
    apiVersion,
    kind: k.kind,
    metadata: {
      name,
      namespace: ns,
      uid: `00000000-0000-4000-8000-${String(rv).padStart(12, '0')}`,
      resourceVersion: String(rv),
      generation: gen,
      creationTimestamp: '2025-01-02T10:11:12Z',
      labels: { app: name.split('-')[0], tier: 'backend', 'app.kubernetes.io/part-of': 'shop' },
      annotations: { 'deployment.kubernetes.io/revision': String(gen), 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { replicas: 3 } }) },
      managedFields: managed,
    },
    spec: k.kind === 'ConfigMap' ? undefined : { replicas: 3, selector: { matchLabels: { app: name } }, template: { spec: { containers: [container] } } },
    data: k.kind === 'ConfigMap' ? { 'config.yaml': 'x: 1\n'.repeat(40) } : undefined,
    status: k.kind === 'ConfigMap' ? undefined : { observedGeneration: gen, replicas: 3, readyReplicas: 2, conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2025-01-02T10:11:12Z', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }] },
  };
}

interface Obj {
  k: (typeof kinds)[number];
  ns: string;
  name: string;
  rv: number;
  gen: number;
  left: number;
}

function* stream(opts: Options): Generator<AuditEvent> {
  const rand = rng(42);
  const pickKind = () => {
    const total = kinds.reduce((s, k) => s + k.weight, 0);
    let r = rand() * total;
    for (const k of kinds) if ((r -= k.weight) < 0) return k;
    return kinds[0]!;
  };
  let serial = 0;
  let rv = 1000;
  const active: (Obj | undefined)[] = Array.from({ length: opts.objects }, () => undefined);
  for (let n = 0; n < opts.events; n++) {
    const slot = Math.floor(rand() * active.length);
    let o = active[slot];
    let verb: string;
    let subresource: string | undefined;
    let code = 200;
    if (!o) {
      const k = pickKind();
      o = { k, ns: `team-${Math.floor(rand() * 20)}`, name: `${['web', 'api', 'worker', 'cache'][Math.floor(rand() * 4)]}-${(serial++).toString(36)}`, rv: ++rv, gen: 1, left: 2 + Math.floor(rand() * 10) };
      active[slot] = o;
      verb = 'create';
      code = 201;
    } else if (o.left <= 0) {
      verb = 'delete';
      active[slot] = undefined;
    } else {
      o.left--;
      const r = rand();
      if (r < 0.55) {
        verb = 'update';
        subresource = o.k.kind === 'ConfigMap' ? undefined : 'status';
      } else if (r < 0.95) {
        verb = 'patch';
        o.gen++;
      } else {
        verb = 'update';
        code = 409; // optimistic-concurrency conflicts are common
      }
    }
    const prevRv = o.rv;
    if (code < 300) o.rv = ++rv;
    const now = new Date();
    const body = objectBody(o.k, o.ns, o.name, o.rv, o.gen);
    yield {
      level: 'RequestResponse',
      auditID: `bench-${n}-${(serial * 7919).toString(16)}`,
      stage: 'ResponseComplete',
      requestURI: `/apis/${o.k.group || 'core'}/${o.k.version}/namespaces/${o.ns}/${o.k.resource}/${verb === 'create' ? '' : o.name}`,
      verb,
      user: { username: subresource ? 'system:serviceaccount:kube-system:deployment-controller' : 'alice@example.com', groups: ['system:authenticated'] },
      sourceIPs: ['10.0.0.7'],
      userAgent: subresource ? 'kube-controller-manager/v1.33.1 (linux/amd64)' : 'kubectl/v1.33.1 (linux/amd64)',
      objectRef: { resource: o.k.resource, namespace: o.ns, name: verb === 'create' && o.k.kind === 'Pod' ? undefined : o.name, apiGroup: o.k.group, apiVersion: o.k.version, resourceVersion: String(prevRv), ...(subresource ? { subresource } : {}) },
      responseStatus: code >= 300 ? { code, status: 'Failure', reason: 'Conflict', message: 'the object has been modified' } : { code },
      ...(verb === 'patch' ? { requestObject: { spec: { template: { spec: { containers: [{ name: 'app', image: `registry.example.com/team/app:${o.gen}.0.1` }] } } } } } : {}),
      ...(verb === 'create' || verb === 'update' ? { requestObject: body } : {}),
      ...(code < 300 ? { responseObject: verb === 'delete' ? { apiVersion: 'v1', kind: 'Status', status: 'Success' } : body } : {}),
      requestReceivedTimestamp: now.toISOString(),
      stageTimestamp: new Date(now.getTime() + 3).toISOString(),
    };
  }
}

async function generate(url: string, opts: Options): Promise<void> {
  const it = stream(opts);
  let sent = 0;
  let refused = 0;
  let bytes = 0;
  const started = Date.now();
  const nextBatch = (): string | undefined => {
    const items: AuditEvent[] = [];
    for (let r = it.next(); !r.done; r = items.length < opts.batch ? it.next() : { done: true, value: undefined }) items.push(r.value);
    return items.length ? JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items }) : undefined;
  };
  let batches = 0;
  const worker = async () => {
    for (let body = nextBatch(); body; body = nextBatch()) {
      // Paced mode: batch k leaves at k * batch / rate seconds, like an apiserver under steady load.
      const due = opts.rate > 0 ? started + ((batches++ * opts.batch) / opts.rate) * 1000 : 0;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      for (;;) {
        const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        await res.arrayBuffer();
        if (res.status === 429) {
          refused++;
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
        break;
      }
      sent += (JSON.parse(body) as { items: unknown[] }).items.length;
      bytes += body.length;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  process.stdout.write(JSON.stringify({ sent, refused, bytes, startedAtMs: started, elapsedMs: Date.now() - started }) + '\n');
}

// ---------------------------------------------------------------------------------------------------
// The measuring side.

/** A minimal OTLP/gRPC trace receiver that accepts and discards (counts) export requests. */
async function startOtlpSink(): Promise<{ endpoint: string; requests: () => number; stop(): Promise<void> }> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  let requests = 0;
  const identity = (b: Buffer) => b;
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      Export: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        requests++;
        cb(null, Buffer.alloc(0)); // an empty ExportTraceServiceResponse
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { endpoint: `127.0.0.1:${port}`, requests: () => requests, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function metricSum(registry: Registry, name: string, filter: (labels: Record<string, string | number>) => boolean = () => true): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const { values } = (await m.get()) as { values: { metricName?: string; labels: Record<string, string | number>; value: number }[] };
  // Counters have plain values; histograms count in their `_count` series.
  return values.filter((v) => (v.metricName === undefined || v.metricName.endsWith('_count')) && filter(v.labels)).reduce((s, v) => s + v.value, 0);
}

export async function main(args: string[]): Promise<void> {
  const opts = parseOptions(args);
  const sink = opts.otlp ? undefined : await startOtlpSink();
  const otlpEndpoint = opts.otlp ?? sink!.endpoint;
  const stores =
    opts.spanCache === 'etcd'
      ? { etcd: { endpoints: [opts.etcd ?? 'http://127.0.0.1:2379'] }, spanCache: { backend: 'etcd', prefix: `/span-bench-${Date.now()}/` } }
      : opts.spanCache === 'redis'
        ? { redis: { url: opts.redis ?? 'redis://127.0.0.1:6379' }, spanCache: { backend: 'redis', prefix: `/span-bench-${Date.now()}/` } }
        : {};
  const config = parseConfig({
    clusters: [{ name: 'bench' }],
    tracer: { otlpEndpoint, scheduledDelay: '200ms' },
    stores,
    audit: { queue: { partitions: opts.partitions } },
  });
  const registry = new Registry();
  const app = await startApp({
    config,
    registry,
    logger: createLogger({ level: 'warn' }),
    auditListen: { host: '127.0.0.1', port: 0 },
    metricsListen: { host: '127.0.0.1', port: 0 },
  });

  // Receipt time per audit ID (recorded by a decorator, which sees the webhook's receipt stamp), and the
  // latency measured when the exporter has acknowledged the span.
  const receivedAt = new Map<string, number>();
  const latencies: number[] = [];
  let auditSpansExported = 0;
  let lastExportMs = 0;
  app.audit!.decorators.push(({ message }) => {
    receivedAt.set(message.event.auditID ?? '', message.receivedAtMs);
  });
  app.tracer!.processor.onExported((spans, doneAtMs) => {
    for (const s of spans) {
      const id = s.attributes.auditId;
      if (typeof id !== 'string') continue;
      auditSpansExported++;
      lastExportMs = doneAtMs;
      const t = receivedAt.get(id);
      if (t !== undefined) {
        latencies.push(doneAtMs - t);
        receivedAt.delete(id);
      }
    }
  });

  // Warm-up (not measured): the first export loads the OTLP serializer and connects the channel.
  const url = `${app.audit!.url}/audit/bench`;
  const warm = stream({ ...opts, events: 200, objects: 50 });
  const warmItems = [...warm].map((e) => ({ ...e, auditID: `warm-${e.auditID}` }));
  const warmRes = await fetch(url, { method: 'POST', body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: warmItems }) });
  if (warmRes.status !== 200) throw new Error(`warm-up batch refused: ${warmRes.status}`);
  while (auditSpansExported < warmItems.length) {
    await app.tracer!.forceFlush();
    await new Promise((r) => setTimeout(r, 20));
  }
  auditSpansExported = 0;
  latencies.length = 0;

  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const cpu0 = process.cpuUsage();
  const run = promisify(execFile);
  const child = await run(process.execPath, ['--import', 'tsx', import.meta.filename, '--generate', url, ...args], { maxBuffer: 1 << 20 });
  const gen = JSON.parse(child.stdout) as { sent: number; refused: number; bytes: number; startedAtMs: number; elapsedMs: number };

  // Wait until every audit span is exported or nothing moves for 5 s.
  let last = -1;
  let stillSince = Date.now();
  while (auditSpansExported < gen.sent && Date.now() - stillSince < 5_000) {
    await app.tracer!.forceFlush();
    if (auditSpansExported !== last) {
      last = auditSpansExported;
      stillSince = Date.now();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = (lastExportMs || Date.now()) - gen.startedAtMs;
  clearInterval(rssTimer);
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);

  const droppedSpans = await metricSum(registry, 'tracer_spans_dropped_total');
  const sendErrors = await metricSum(registry, 'audit_consumer_event', (l) => l.error !== '');
  const filtered = await metricSum(registry, 'audit_consumer_filtered_total');
  await app.stop();
  await sink?.stop();

  latencies.sort((a, b) => a - b);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const dropped = gen.sent - auditSpansExported - filtered;
  console.log(`
audit pipeline benchmark (${new Date().toISOString()}, node ${process.version}, ${opts.spanCache} span cache, export to ${opts.otlp ?? 'local OTLP sink'})
  events sent          ${gen.sent.toLocaleString('en-US')} ${opts.rate ? `paced at ${opts.rate}/s` : 'unpaced (saturation)'} in ${Math.ceil(gen.sent / opts.batch)} batches of ≤${opts.batch}, ${fmt(gen.bytes / gen.sent / 1024)} KiB/event, ${opts.objects} live objects, ${opts.concurrency} concurrent POSTs
  throughput           ${fmt(gen.sent / (wallMs / 1000), 0)} events/s (first POST → last audit span exported, ${fmt(wallMs / 1000, 2)} s)
  CPU                  ${fmt((cpuSeconds / gen.sent) * 1000, 3)} CPU-s per 1,000 events (runtime process only; ${fmt(cpuSeconds, 2)} CPU-s total)
  receipt → exported   p50 ${fmt(percentile(latencies, 50), 0)} ms, p99 ${fmt(percentile(latencies, 99), 0)} ms, max ${fmt(latencies.at(-1) ?? NaN, 0)} ms (${latencies.length} spans)
  peak RSS             ${fmt(peakRss / 1024 / 1024, 0)} MiB
  dropped events       ${dropped} (spans dropped by tracer: ${droppedSpans}, send errors: ${sendErrors}, filtered: ${filtered}); 429 answers retried: ${gen.refused}
reproduce: npm run bench -- audit ${args.join(' ')}`.trimEnd());
}

if (process.argv.includes('--generate') && import.meta.filename === process.argv[1]) {
  const i = process.argv.indexOf('--generate');
  const url = process.argv[i + 1]!;
  const rest = process.argv.slice(2).filter((_, j) => j !== i - 2 && j !== i - 1);
  await generate(url, parseOptions(rest));
}
