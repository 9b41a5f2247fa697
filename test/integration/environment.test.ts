/**
 * Smoke tests of the real test environment: each piece is the real server, not a mock.
 * Servers: kube-apiserver + kube-controller-manager + kube-scheduler + kwok, etcd, Redis, Jaeger v2.
 * Also its lifetime: the servers die with the process that started them (`env up`, a vitest run).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { getJson, type JaegerResponse, type JaegerTrace } from './helpers/http.ts';
import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../../plugin/proto/load.ts';
import { startJaegerQuery } from '../../envtest/jaeger.ts';
import { silentLogger } from '../../envtest/log.ts';
import { stopProcess } from '../../envtest/process.ts';
import { startAuditReceiver, type AuditReceiver } from './helpers/auditReceiver.ts';
import { createTestNamespace, demoDeployment, kubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const kube = kubeClients(env);

describe('kube-apiserver, controller-manager, scheduler and kwok (real)', () => {
  let audit: AuditReceiver;
  let ns: string;
  beforeAll(async () => {
    audit = await startAuditReceiver(env.auditReceiverPort);
    ns = await createTestNamespace(kube.core, 'smoke');
  });
  afterAll(async () => {
    await audit.close();
  });

  it('serves a newly created CustomResourceDefinition', async () => {
    await kube.apiext.createCustomResourceDefinition({
      body: {
        metadata: { name: 'widgets.smoke.kelemetry.io' },
        spec: {
          group: 'smoke.kelemetry.io',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          scope: 'Namespaced',
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
            },
          ],
        },
      },
    });
    const widget = { apiVersion: 'smoke.kelemetry.io/v1', kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 3 } };
    // The CRD is served a moment after it is created; until then the create answers 404.
    const created = await waitFor('the Widget resource to be served', () => kube.objects.create(widget));
    expect((created as unknown as typeof widget).spec.size).toBe(3);
  });

  it('runs a Deployment: ReplicaSet created, pods scheduled on the kwok node and Running', async () => {
    await kube.apps.createNamespacedDeployment({ namespace: ns, body: demoDeployment('demo', 2) });
    const rs = await waitFor('a ReplicaSet for the Deployment', async () => {
      const list = await kube.apps.listNamespacedReplicaSet({ namespace: ns });
      return list.items.find((r) => r.metadata?.ownerReferences?.[0]?.name === 'demo');
    });
    expect(rs.spec?.replicas).toBe(2);
    const pods = await waitFor('2 Running pods', async () => {
      const list = await kube.core.listNamespacedPod({ namespace: ns });
      const running = list.items.filter((p) => p.status?.phase === 'Running');
      return running.length === 2 ? running : undefined;
    });
    expect(pods.every((p) => p.spec?.nodeName === env.kube.nodeName)).toBe(true);
    const deployment = await waitFor('the Deployment to be available', async () => {
      const d = await kube.apps.readNamespacedDeployment({ name: 'demo', namespace: ns });
      return d.status?.availableReplicas === 2 ? d : undefined;
    });
    expect(deployment.status?.observedGeneration).toBeGreaterThanOrEqual(1);
  });

  it('delivers audit EventList batches at RequestResponse level for those writes', async () => {
    const create = await waitFor('the audit event of the Deployment create', () =>
      audit.events().find((e) => e.verb === 'create' && e.objectRef?.resource === 'deployments' && e.objectRef.namespace === ns),
    );
    expect(audit.batches[0]).toMatchObject({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', path: `/audit/${env.kube.clusterName}` });
    expect(create).toMatchObject({ level: 'RequestResponse', stage: 'ResponseComplete', objectRef: { apiGroup: 'apps', name: 'demo' } });
    expect(create.requestObject).toMatchObject({ kind: 'Deployment' });
    expect(create.responseObject).toMatchObject({ kind: 'Deployment', metadata: { name: 'demo', namespace: ns } });
    expect(create.responseStatus?.code).toBe(201);
    // Controllers' writes are audited too: the ReplicaSet created by kube-controller-manager, pod binding by the scheduler.
    // Each controller acts under its own identity, as in a real cluster.
    const rsCreate = await waitFor('the controller-manager creating the ReplicaSet', () =>
      audit.events().find((e) => e.verb === 'create' && e.objectRef?.resource === 'replicasets' && e.objectRef.namespace === ns),
    );
    expect(rsCreate.user.username).toBe('system:serviceaccount:kube-system:deployment-controller');
    const binding = await waitFor('the scheduler binding a pod', () =>
      audit.events().find((e) => e.objectRef?.subresource === 'binding' && e.objectRef.namespace === ns),
    );
    expect(binding.user.username).toBe('system:kube-scheduler');
    // Reads are excluded by the policy (Kelemetry ignores them).
    expect(audit.events().some((e) => e.verb === 'get' || e.verb === 'list' || e.verb === 'watch')).toBe(false);
  });
});

describe('Jaeger v2 (real): OTLP in, query out', () => {
  it('stores spans exported over OTLP gRPC and serves them at /api/traces/{id}', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'smoke-test' }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://${env.jaeger.storage.otlpGrpc}` }))],
    });
    const span = provider.getTracer('smoke').startSpan('smoke-span', { attributes: { resource: 'deployments', name: 'demo' } });
    span.end();
    const traceId = span.spanContext().traceId;
    await provider.forceFlush();
    await provider.shutdown();
    expect(trace.isSpanContextValid(span.spanContext())).toBe(true);

    const found = await waitFor('the trace in Jaeger query', async () => {
      const res = await getJson<JaegerResponse<JaegerTrace[]>>(`${env.jaeger.query.url}/api/traces/${traceId}`);
      return res.status === 200 ? res.body : undefined;
    });
    const t = found.data[0]!;
    expect(t.traceID).toBe(traceId);
    expect(t.spans).toHaveLength(1);
    const s = t.spans[0]!;
    expect(s.operationName).toBe('smoke-span');
    expect(s.tags).toEqual(expect.arrayContaining([{ key: 'resource', type: 'string', value: 'deployments' }]));
    expect(t.processes[s.processID]?.serviceName).toBe('smoke-test');
  });
});

interface OtlpTracesData {
  resource_spans: { resource?: { attributes: { key: string; value: { string_value?: string } }[] }; scope_spans: { spans: { trace_id: Buffer; name: string }[] }[] }[];
}

/** Reads a server stream to its end. */
function collect<T>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on('data', (d: T) => items.push(d));
    stream.on('error', reject);
    stream.on('end', () => resolve(items));
  });
}

describe('Jaeger v2 remote storage (real): the jaeger.storage.v2 API the plugin reads from', () => {
  it('serves spans exported over OTLP through TraceReader.GetTraces', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'smoke-remote' }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://${env.jaeger.storage.otlpGrpc}` }))],
    });
    const span = provider.getTracer('smoke').startSpan('remote-span');
    span.end();
    await provider.shutdown();

    const { TraceReader } = loadProtos();
    const client = new TraceReader(env.jaeger.storage.remoteStorage, grpc.credentials.createInsecure()) as grpc.Client &
      Record<string, (req: unknown) => grpc.ClientReadableStream<OtlpTracesData>>;
    try {
      const traceId = Buffer.from(span.spanContext().traceId, 'hex');
      const chunks = await waitFor('the trace in remote storage', async () => {
        const got = await collect(client.GetTraces!({ query: [{ trace_id: traceId }] }));
        return got.length > 0 ? got : undefined;
      });
      const spans = chunks.flatMap((c) => c.resource_spans.flatMap((rs) => rs.scope_spans.flatMap((ss) => ss.spans)));
      expect(spans.map((s) => s.name)).toEqual(['remote-span']);
      expect(spans[0]!.trace_id.equals(traceId)).toBe(true);
      const service = chunks[0]!.resource_spans[0]!.resource?.attributes.find((a) => a.key === 'service.name');
      expect(service?.value.string_value).toBe('smoke-remote');
    } finally {
      client.close();
    }
  });
});

describe('Jaeger v2 query with a grpc trace backend (real): the wiring the plugin uses', () => {
  it('calls a TraceReader served by the test for services and traces', async () => {
    const { TraceReader, DependencyReader } = loadProtos();
    const calls: string[] = [];
    const traceId = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
    const server = new grpc.Server();
    server.addService(TraceReader.service, {
      GetServices: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => {
        calls.push('GetServices');
        cb(null, { services: ['smoke-mode'] });
      },
      GetOperations: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        calls.push(`GetOperations(${call.request.service})`);
        cb(null, { operations: [{ name: 'smoke-cluster', span_kind: '' }] });
      },
      GetTraces: (call: grpc.ServerWritableStream<{ query: { trace_id: Buffer }[] }, unknown>) => {
        calls.push(`GetTraces(${call.request.query.map((q) => q.trace_id.toString('hex')).join(',')})`);
        call.write({
          resource_spans: [
            {
              resource: { attributes: [{ key: 'service.name', value: { string_value: 'smoke-mode' } }] },
              scope_spans: [
                {
                  spans: [
                    {
                      trace_id: traceId,
                      span_id: Buffer.from('0123456789abcdef', 'hex'),
                      name: 'served-by-test',
                      start_time_unix_nano: String(Date.now() * 1e6),
                      end_time_unix_nano: String((Date.now() + 1000) * 1e6),
                    },
                  ],
                },
              ],
            },
          ],
        });
        call.end();
      },
      FindTraces: (call: grpc.ServerWritableStream<unknown, unknown>) => call.end(),
      FindTraceIDs: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { trace_ids: [] }),
    });
    server.addService(DependencyReader.service, {
      GetDependencies: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { dependencies: [] }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const query = await startJaegerQuery({
      binary: env.binaries.jaeger,
      backend: `127.0.0.1:${port}`,
      dir: env.baseDir,
      logDir: env.logDir,
      log: silentLogger,
      name: 'jaeger-query-smoke',
    });
    try {
      const services = await getJson<JaegerResponse<string[]>>(`${query.info.url}/api/services`);
      expect(services.body?.data).toEqual(['smoke-mode']);
      const ops = await getJson<JaegerResponse<string[]>>(`${query.info.url}/api/services/smoke-mode/operations`);
      expect(ops.body?.data).toEqual(['smoke-cluster']);
      const got = await getJson<JaegerResponse<JaegerTrace[]>>(`${query.info.url}/api/traces/${traceId.toString('hex')}`);
      expect(got.status).toBe(200);
      expect(got.body?.data[0]?.spans.map((s) => s.operationName)).toEqual(['served-by-test']);
      expect(calls).toEqual(expect.arrayContaining(['GetServices', 'GetOperations(smoke-mode)', `GetTraces(${traceId.toString('hex')})`]));
    } finally {
      for (const p of query.processes) await stopProcess(p);
      server.forceShutdown();
    }
  });
});

describe('etcd and Redis (real)', () => {
  it('etcd reports healthy', async () => {
    const res = await getJson(`${env.etcd.endpoint}/health`);
    expect(res.body).toMatchObject({ health: 'true' });
  });
  it('Redis answers PING', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: env.redis.host, port: env.redis.port }, () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString());
      });
      socket.once('error', reject);
    });
    expect(reply).toBe('+PONG\r\n');
  });
});
