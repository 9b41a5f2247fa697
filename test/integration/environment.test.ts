/**
 * Smoke tests of the real test environment: each piece is the real server, not a mock.
 * Servers: kube-apiserver + kube-controller-manager + kube-scheduler + kwok, etcd, Redis, Jaeger v2.
 * Also its lifetime: the servers die with the process that started them (`env up`, a vitest run).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { getJson, type JaegerResponse, type JaegerTrace } from './helpers/http.ts';
import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../../plugin/proto/load.ts';
import { startJaegerQuery } from '../../envtest/jaeger.ts';
import { silentLogger } from '../../envtest/log.ts';
import type { EnvironmentInfo } from '../../envtest/environment.ts';
import { isAlive, stopProcess } from '../../envtest/process.ts';
import { removeOrphanedTempDirs } from '../../envtest/tempDirs.ts';
import { startAuditReceiver, type AuditReceiver } from './helpers/auditReceiver.ts';
import { createTestNamespace, demoDeployment, kubeClients } from './helpers/kube.ts';
import { killGroups, listeningPorts, openPorts, runInTerminal, waitGone, type TerminalRun } from './helpers/processes.ts';
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

describe('the environment dies with the process that started it', () => {
  const repo = join(import.meta.dirname, '..', '..');
  // Inside the repo: the nested vitest run below needs its config and test file there.
  const dir = join(repo, '.kelemetry', `lifetime-test-${process.pid}`);
  const stateFile = join(dir, 'env.json');
  const leftovers: number[] = [];
  beforeAll(() => mkdirSync(dir, { recursive: true }));
  beforeEach(() => rmSync(stateFile, { force: true }));
  afterEach(() => killGroups(leftovers.splice(0))); // only after a failure
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Waits for the environment `run` starts, SIGKILLs its starter, and checks every server exits on its own. */
  async function killStarterOf(run: TerminalRun, what: string): Promise<void> {
    leftovers.push(run.pid);
    const info = await waitFor(`${what} to write ${stateFile}`, () => existsSync(stateFile) && (JSON.parse(readFileSync(stateFile, 'utf8')) as EnvironmentInfo), {
      timeoutMs: 300_000,
      intervalMs: 500,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${run.output()}`);
    });
    const pids = info.processes.map((p) => p.pid);
    leftovers.push(...pids, ...(info.ownerPid ? [info.ownerPid] : []));
    const ports = listeningPorts(pids);
    expect(pids.length).toBeGreaterThanOrEqual(7);
    expect(ports.length).toBeGreaterThanOrEqual(10);
    expect(info.ownerPid).toBeDefined();
    expect(isAlive(info.ownerPid!)).toBe(true);
    process.kill(info.ownerPid!, 'SIGKILL');
    const { alive, ms } = await waitGone(pids, 5_000);
    console.log(`SIGKILL of ${what} to its last server gone: ${ms} ms`);
    expect(alive).toEqual([]);
    leftovers.length = 0;
    const open = await openPorts(ports);
    expect(open).toEqual([]);
    expect(removeOrphanedTempDirs()).toContain(info.baseDir);
    expect(existsSync(info.etcdDataDir)).toBe(false);
    rmSync(stateFile, { force: true });
  }

  it('npm run env -- up (attached): SIGKILL of it takes every server with it', async () => {
    const run = runInTerminal('npm', ['run', 'env', '--', 'up'], { cwd: repo, env: { ...process.env, KELEMETRY_ENV_STATE: stateFile } });
    await killStarterOf(run, "'env up'");
  }, 600_000);

  it("a vitest run killed with SIGKILL takes its global setup's servers with it", async () => {
    writeFileSync(join(dir, 'hold.test.ts'), "import { it } from 'vitest';\nit('holds until killed', () => new Promise(() => {}), 3_600_000);\n");
    const config = { test: { root: dir, include: ['hold.test.ts'], globalSetup: [join(repo, 'test', 'global-setup.ts')], hookTimeout: 600_000 } };
    writeFileSync(join(dir, 'vitest.config.ts'), `export default ${JSON.stringify(config)};\n`);
    const vitest = join(repo, 'node_modules', 'vitest', 'vitest.mjs');
    const run = runInTerminal(process.execPath, [vitest, 'run', '--config', join(dir, 'vitest.config.ts')], {
      cwd: repo,
      env: { ...process.env, KELEMETRY_TEST_ENV_STATE: stateFile },
    });
    await killStarterOf(run, 'the vitest run');
    // The servers were tied to the vitest process itself (global setup runs on its main thread).
    expect((await run.exited).signal).toBe('SIGKILL');
  }, 600_000);
});
