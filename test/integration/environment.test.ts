/**
 * Smoke tests of the real test environment: each piece is the real server, not a mock.
 * Servers: kube-apiserver + kube-controller-manager + kube-scheduler + kwok, etcd, Redis, Jaeger v2.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { getJson, type JaegerResponse, type JaegerTrace } from './helpers/http.ts';
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
    await waitFor('the controller-manager creating the ReplicaSet', () =>
      audit.events().find((e) => e.verb === 'create' && e.objectRef?.resource === 'replicasets' && e.objectRef.namespace === ns),
    );
    await waitFor('the scheduler binding a pod', () =>
      audit.events().find((e) => e.objectRef?.subresource === 'binding' && e.objectRef.namespace === ns),
    );
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
