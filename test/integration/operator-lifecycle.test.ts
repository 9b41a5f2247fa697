/**
 * The operator against the real environment: kube-apiserver (CRD validation with CEL, server-side
 * apply, audit log), kube-controller-manager (Deployments, StatefulSets, garbage collection),
 * kube-scheduler and kwok (pods Running on the fake node, so workloads become Available).
 * The operator runs in-process with leader election; the apiserver's audit webhook (received here)
 * counts the operator's writes. Its AuditFlowing diagnosis re-checks every 2 s here (60 s in
 * production) and scrapes through the real apiserver pod proxy, which kwok pods cannot answer.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FINALIZER } from '../../manifests/naming.ts';
import { startAuditReceiver, type AuditEvent, type AuditReceiver } from './helpers/auditReceiver.ts';
import { waitFor } from './helpers/wait.ts';
import {
  adminClient,
  applyInstance,
  children,
  conditionOf,
  counterValue,
  createNamespace,
  deleteInstance,
  getInstance,
  installCrd,
  instanceDoc,
  kubectl,
  runOperator,
  smallSpec,
  waitReady,
  type Obj,
} from './operator-support.ts';

const env = inject('env');
const client = adminClient(env);
const NAME = 'small';
/** Short, so the steady-state window below covers several diagnoses. */
const AUDIT_FLOWING_INTERVAL_MS = 2000;

const operatorWrites = (events: AuditEvent[]) =>
  events.filter((e) => (e as AuditEvent & { userAgent?: string }).userAgent === 'kelemetry-operator' && ['create', 'update', 'patch', 'delete'].includes(e.verb));

describe('operator lifecycle (real kube-apiserver + controller-manager + kwok)', () => {
  let op: ReturnType<typeof runOperator>;
  let audit: AuditReceiver;
  let ns: string;

  beforeAll(async () => {
    audit = await startAuditReceiver(env.auditReceiverPort);
    await installCrd(client);
    const leaseNs = await createNamespace(client, 'op-lease');
    op = runOperator(env, { leaseNamespace: leaseNs, auditFlowingIntervalMs: AUDIT_FLOWING_INTERVAL_MS });
    ns = await createNamespace(client, 'op-life');
  });

  afterAll(async () => {
    await op?.stop();
    await audit?.close();
  });

  it('rejects an invalid spec in the API server with a readable message (CEL and schema)', async () => {
    const bad = JSON.stringify(instanceDoc('bad', ns, { ...smallSpec(), storage: { etcd: { managed: {}, external: { endpoints: ['http://127.0.0.1:2379'] } } } }));
    const r = await kubectl(env, ['apply', '-f', '-'], bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('storage.etcd: set exactly one of managed or external');
    const noVersion = JSON.stringify(instanceDoc('bad', ns, { clusters: [{ name: 'a' }] }));
    const r2 = await kubectl(env, ['apply', '-f', '-'], noVersion);
    expect(r2.stderr).toMatch(/spec\.version: Required value/);
    const dup = JSON.stringify(instanceDoc('bad', ns, { version: '0.1.0', clusters: [{ name: 'a' }, { name: 'a' }] }));
    const r3 = await kubectl(env, ['apply', '-f', '-'], dup);
    expect(r3.stderr).toMatch(/Duplicate value.*"a"/);
    // Audit-derived metrics: unknown quantifiers and tags are refused by the schema's enums, naming the field.
    const badMetric = { name: 'writes', quantifier: 'request_size', tags: ['verb', 'namespce'] };
    const r4 = await kubectl(env, ['apply', '-f', '-'], JSON.stringify(instanceDoc('bad', ns, { ...smallSpec(), audit: { kelemetrix: { metrics: [badMetric] } } })));
    expect(r4.code).not.toBe(0);
    expect(r4.stderr).toMatch(/spec\.audit\.kelemetrix\.metrics\[0\]\.quantifier: Unsupported value: "request_size"/);
    expect(r4.stderr).toMatch(/spec\.audit\.kelemetrix\.metrics\[0\]\.tags\[1\]: Unsupported value: "namespce"/);
    const r5 = await kubectl(env, ['apply', '-f', '-'], JSON.stringify(instanceDoc('bad', ns, { ...smallSpec(), audit: { kelemetrix: { requestTimeouts: { north: '10s' } } } })));
    expect(r5.stderr).toContain('audit.kelemetrix.requestTimeouts: every key must name one of spec.clusters');
  });

  it('accepts a kelemetrix section (CEL, list types) and fills its defaults', async () => {
    const metric = { name: 'writes', quantifier: 'request_count', tags: ['verb', 'resource'], tagFilters: [{ tag: 'verb', oneOf: ['create'] }] };
    const doc = instanceDoc('dry', ns, { ...smallSpec(), audit: { replicas: 1, kelemetrix: { requestTimeouts: { tracetest: '30s' }, metrics: [metric] } } });
    const r = await kubectl(env, ['apply', '--dry-run=server', '-o', 'json', '-f', '-'], JSON.stringify(doc));
    expect(r.stderr).toBe('');
    const applied = JSON.parse(r.stdout) as { spec: { audit: { kelemetrix: unknown } } };
    expect(applied.spec.audit.kelemetrix).toEqual({
      enabled: true,
      defaultRequestTimeout: '60s',
      requestTimeouts: { tracetest: '30s' },
      metrics: [{ ...metric, tagFilters: [{ tag: 'verb', oneOf: ['create'], isRegex: false, negate: false }], quantityFilters: [] }],
    });
    const dup = instanceDoc('dry', ns, { ...smallSpec(), audit: { kelemetrix: { metrics: [metric, metric] } } });
    expect((await kubectl(env, ['apply', '--dry-run=server', '-f', '-'], JSON.stringify(dup))).stderr).toMatch(/Duplicate value/);
  });

  it('reports an invalid kelemetrix regular expression (which the schema cannot check) as Degraded naming the field', async () => {
    const filter = { tag: 'username', oneOf: ['(unclosed'], isRegex: true };
    await applyInstance(client, instanceDoc('badregex', ns, { ...smallSpec(), audit: { replicas: 1, kelemetrix: { metrics: [{ name: 'm', quantifier: 'request_count', tagFilters: [filter] }] } } }));
    try {
      const inst = await waitFor('Degraded=True on badregex', async () => {
        const i = await getInstance(client, ns, 'badregex');
        return conditionOf(i, 'Degraded')?.status === 'True' ? i : false;
      });
      expect(conditionOf(inst, 'Degraded')).toMatchObject({ reason: 'InvalidSpec', message: expect.stringContaining('spec.audit.kelemetrix.metrics.0.tagFilters.0.oneOf.0: invalid regular expression') });
      expect(conditionOf(inst, 'Ready')?.status).toBe('False');
      expect(await children(client, ns, 'badregex')).toEqual([]);
    } finally {
      await deleteInstance(client, ns, 'badregex');
    }
  });

  it('creates every object with an owner reference, then reports Ready with the printer columns', async () => {
    const created = await applyInstance(client, instanceDoc(NAME, ns, smallSpec()));
    const uid = created.metadata.uid!;
    const workloads = (list: Obj[]) => list.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    const objs = await waitFor('all children to exist', async () => {
      const list = await children(client, ns, NAME);
      return workloads(list).length === 6 && list.some((o) => o.kind === 'Service' && o.metadata.name === 'small-query') ? list : false;
    });
    const kinds = new Set(objs.map((o) => o.kind));
    for (const k of ['ConfigMap', 'ServiceAccount', 'Service', 'Deployment', 'StatefulSet', 'RoleBinding', 'ClusterRoleBinding']) expect(kinds).toContain(k);
    // Instances only bind the install's fixed ClusterRoles; they render no roles of their own.
    expect(kinds.has('Role') || kinds.has('ClusterRole')).toBe(false);
    for (const o of objs.filter((o) => o.metadata.namespace)) {
      expect(o.metadata.ownerReferences, `${o.kind}/${o.metadata.name}`).toEqual([expect.objectContaining({ kind: 'KelemetryInstance', name: NAME, uid, controller: true })]);
    }
    const names = workloads(objs).map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(names).toEqual(['Deployment/small-consumer', 'Deployment/small-frontend', 'Deployment/small-informers', 'Deployment/small-jaeger-collector', 'StatefulSet/small-etcd', 'StatefulSet/small-jaeger-storage']);

    const inst = await waitReady(client, ns, NAME);
    expect(inst.metadata.finalizers).toContain(FINALIZER);
    expect(inst.status).toMatchObject({ currentVersion: '0.1.0', desiredVersion: '0.1.0', clusterCount: 1, rollout: { phase: 'Idle' } });
    for (const type of ['EtcdReady', 'JaegerStorageReady', 'JaegerCollectorReady', 'InformersReady', 'ConsumerReady', 'FrontendReady']) {
      expect(conditionOf(inst, type)?.status, type).toBe('True');
    }
    expect(conditionOf(inst, 'Degraded')?.status).toBe('False');
    // The API server resolves no .svc names: the URL carries the Service's ClusterIP.
    const clusterIp = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'small-webhook')?.spec?.clusterIP as string;
    expect(clusterIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(inst.status?.auditWebhook).toEqual({
      service: `small-webhook.${ns}.svc:8080`,
      address: `${clusterIp}:8080`,
      clusters: [{ name: 'tracetest', url: `https://${clusterIp}:8080/audit/tracetest` }],
      // The webhook requires a token by default; the operator generated it here.
      tokenSecretRef: { name: 'small-audit-token', key: 'token' },
    });
    // HTTPS by default: the operator's CA signs a certificate for the Service's names and, once known, its ClusterIP.
    const served = await waitFor('the webhook certificate to name the ClusterIP', async () => {
      const secret = await client.find<{ type: string; data: Record<string, string> }>(`/api/v1/namespaces/${ns}/secrets/small-webhook-tls`);
      const cert = secret?.data['tls.crt'] && new X509Certificate(Buffer.from(secret.data['tls.crt'], 'base64'));
      return cert && cert.checkIP(clusterIp) ? { secret, cert } : undefined;
    });
    expect(served.secret.type).toBe('kubernetes.io/tls');
    expect(served.cert.checkHost(`small-webhook.${ns}.svc`)).toBe(`small-webhook.${ns}.svc`);
    expect(served.cert.verify(new X509Certificate(Buffer.from(served.secret.data['ca.crt']!, 'base64')).publicKey)).toBe(true);

    const table = await kubectl(env, ['get', 'kelemetryinstance', '-n', ns]);
    const [header, row] = table.stdout.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'READY', 'VERSION', 'CLUSTERS', 'AGE']);
    expect(row!.split(/\s+/).slice(0, 4)).toEqual([NAME, 'True', '0.1.0', '1']);
    // The short name works too.
    expect((await kubectl(env, ['get', 'ki', '-n', ns, '-o', 'name'])).stdout.trim()).toBe(`kelemetryinstance.kelemetry.io/${NAME}`);
  });

  it('reports AuditFlowing Unknown/MetricsUnavailable when the pod proxy cannot reach the pods (kwok), and stays Ready', async () => {
    const inst = await waitFor('an AuditFlowing condition naming the unreadable consumer', async () => {
      const i = await getInstance(client, ns, NAME);
      const c = conditionOf(i, 'AuditFlowing');
      return c?.reason === 'MetricsUnavailable' && c.message.includes(`${ns}/${NAME}-consumer-`) ? i : false;
    }, { timeoutMs: 60_000 });
    const audit = conditionOf(inst, 'AuditFlowing')!;
    expect(audit).toMatchObject({ status: 'Unknown', reason: 'MetricsUnavailable', observedGeneration: inst.metadata.generation });
    expect(audit.message).toMatch(/^cannot read the consumer's metrics: scraping .* through the apiserver pod proxy: /);
    expect(conditionOf(inst, 'Ready')?.status).toBe('True');
    const described = await kubectl(env, ['describe', 'kelemetryinstance', '-n', ns, NAME]);
    expect(described.stdout).toContain('MetricsUnavailable');
  });

  it('makes no writes in steady state (counted in the apiserver audit log and the operator metric)', async () => {
    // Prove the counter sees the operator at all: its earlier writes are in the audit log.
    await waitFor('audit events of the operator', () => operatorWrites(audit.events()).length > 0, { timeoutMs: 15_000 });
    // Settle: no operator write for 3 s.
    await waitFor(
      'the operator to go quiet',
      async () => {
        const before = operatorWrites(audit.events()).length;
        await new Promise((r) => setTimeout(r, 3000));
        return operatorWrites(audit.events()).length === before;
      },
      { timeoutMs: 60_000 },
    );
    const auditBefore = operatorWrites(audit.events()).length;
    const metricBefore = await counterValue(op.registry, 'kelemetry_operator_kube_writes_total');
    const reconcilesBefore = await counterValue(op.registry, 'controller_runtime_reconcile_total');
    const auditBeforeState = conditionOf(await getInstance(client, ns, NAME), 'AuditFlowing');
    const diagnosesBefore = await counterValue(op.registry, 'kelemetry_operator_audit_flowing_checks_total');
    await new Promise((r) => setTimeout(r, 15_000));
    // The apiserver flushes audit batches within 1 s; wait for the last one.
    await new Promise((r) => setTimeout(r, 2000));
    const newWrites = operatorWrites(audit.events()).slice(auditBefore);
    expect(newWrites.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    expect(await counterValue(op.registry, 'kelemetry_operator_kube_writes_total')).toBe(metricBefore);
    // The lease is renewed (by its own client, under its own user agent), so the operator is alive and leading.
    expect(op.isLeader()).toBe(true);
    expect(await counterValue(op.registry, 'controller_runtime_reconcile_total')).toBe(reconcilesBefore);
    // The diagnosis kept running (pod proxy reads) without changing the condition.
    expect(await counterValue(op.registry, 'kelemetry_operator_audit_flowing_checks_total')).toBeGreaterThanOrEqual(diagnosesBefore + 2);
    expect(conditionOf(await getInstance(client, ns, NAME), 'AuditFlowing')).toEqual(auditBeforeState);
    expect(auditBeforeState?.reason).toBe('MetricsUnavailable');
  }, 90_000);

  it('a restarted operator (new leader) finds a converged instance and writes nothing', async () => {
    const leaseNs = await createNamespace(client, 'op-lease');
    await op.stop();
    op = runOperator(env, { leaseNamespace: leaseNs, auditFlowingIntervalMs: AUDIT_FLOWING_INTERVAL_MS });
    await waitFor('the new operator to lead and sync', () => op.isLeader() && op.ready(), { timeoutMs: 30_000 });
    const auditBefore = operatorWrites(audit.events()).length;
    // Its first reconcile of the instance comes from the initial list.
    await waitFor('a reconcile', async () => (await counterValue(op.registry, 'controller_runtime_reconcile_total')) > 0, { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 5000));
    // It diagnosed the instance and found the verdict already in status.
    expect(await counterValue(op.registry, 'kelemetry_operator_audit_flowing_checks_total')).toBeGreaterThan(0);
    expect(operatorWrites(audit.events()).slice(auditBefore).map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    expect(await counterValue(op.registry, 'kelemetry_operator_kube_writes_total')).toBe(0);
    expect(conditionOf(await getInstance(client, ns, NAME), 'Ready')?.status).toBe('True');
  }, 60_000);

  it('applies a spec edit: more consumer replicas add a PodDisruptionBudget; going back prunes it', async () => {
    await applyInstance(client, instanceDoc(NAME, ns, { ...smallSpec(), audit: { replicas: 2 } }));
    await waitFor('consumer scaled to 2 with a PDB', async () => {
      const objs = await children(client, ns, NAME);
      const dep = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'small-consumer');
      return dep?.spec?.replicas === 2 && objs.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'small-consumer');
    });
    const inst = await waitReady(client, ns, NAME);
    expect(conditionOf(inst, 'ConsumerReady')?.message).toContain('2/2');
    await applyInstance(client, instanceDoc(NAME, ns, smallSpec()));
    await waitFor('the PDB to be pruned', async () => {
      const objs = await children(client, ns, NAME);
      return !objs.some((o) => o.kind === 'PodDisruptionBudget') && objs.find((o) => o.metadata.name === 'small-consumer' && o.kind === 'Deployment')?.spec?.replicas === 1;
    });
    await waitReady(client, ns, NAME);
  });

  it('restores a deleted Deployment and reverts an edited field it owns', async () => {
    const before = (await children(client, ns, NAME)).find((o) => o.kind === 'Deployment' && o.metadata.name === 'small-frontend')!;
    await client.delete(`/apis/apps/v1/namespaces/${ns}/deployments/small-frontend`);
    const restored = await waitFor('the frontend Deployment to be re-created', async () => {
      const d = (await children(client, ns, NAME)).find((o) => o.kind === 'Deployment' && o.metadata.name === 'small-frontend');
      return d && d.metadata.uid !== before.metadata.uid && !d.metadata.deletionTimestamp ? d : false;
    });
    expect(restored.metadata.ownerReferences?.[0]?.name).toBe(NAME);

    // Someone scales the informers by hand: the operator owns replicas and puts it back.
    await client.patch(`/apis/apps/v1/namespaces/${ns}/deployments/small-informers`, { spec: { replicas: 3 } }, 'merge', 'someone-else');
    await waitFor('informers replicas back to 1', async () => {
      const d = (await children(client, ns, NAME)).find((o) => o.kind === 'Deployment' && o.metadata.name === 'small-informers');
      return d?.spec?.replicas === 1;
    });
    await waitReady(client, ns, NAME);
  });

  it('elects one leader among two operators on one Lease; a graceful stop hands over at once', async () => {
    const leaseNs = await createNamespace(client, 'op-lease');
    const first = runOperator(env, { leaseNamespace: leaseNs });
    await waitFor('the first operator to lead', () => first.isLeader(), { timeoutMs: 20_000 });
    const second = runOperator(env, { leaseNamespace: leaseNs });
    try {
      // Several renew periods (500 ms) pass: the second stays a standby and never syncs or reconciles.
      await new Promise((r) => setTimeout(r, 3000));
      expect([first.isLeader(), second.isLeader(), second.ready()]).toEqual([true, false, false]);
      const lease = await client.get<{ spec: { holderIdentity: string; leaseTransitions: number } }>(`/apis/coordination.k8s.io/v1/namespaces/${leaseNs}/leases/kelemetry-operator`);
      expect(lease.spec.holderIdentity).toBeTruthy();
      const stoppedAt = Date.now();
      await first.stop();
      await waitFor('the second operator to take over', () => second.isLeader() && second.ready(), { timeoutMs: 20_000 });
      // Released on stop: no waiting for the 4 s lease to expire.
      expect(Date.now() - stoppedAt).toBeLessThan(3000);
      const after = await client.get<{ spec: { holderIdentity: string; leaseTransitions: number } }>(`/apis/coordination.k8s.io/v1/namespaces/${leaseNs}/leases/kelemetry-operator`);
      expect(after.spec.holderIdentity).not.toBe(lease.spec.holderIdentity);
      expect(after.spec.leaseTransitions).toBe(lease.spec.leaseTransitions + 1);
    } finally {
      await first.stop();
      await second.stop();
    }
  }, 60_000);

  it('deleting the instance removes everything, cluster-scoped RBAC included', async () => {
    const clusterScoped = (await children(client, ns, NAME)).filter((o) => !o.metadata.namespace);
    expect(clusterScoped.map((o) => o.kind).sort()).toEqual(['ClusterRoleBinding']);
    await deleteInstance(client, ns, NAME);
    await waitFor('the instance and all its children to be gone', async () => {
      const left: Obj[] = await children(client, ns, NAME);
      const inst = await getInstance(client, ns, NAME);
      return left.length === 0 && !inst ? true : false;
    }, { timeoutMs: 90_000 });
  });
});
