/**
 * Opt-in monitoring and NetworkPolicies of an instance, and the operator's guarded /metrics, on the
 * real kube-apiserver. The Prometheus Operator's CRDs start absent (the instance reports a clear
 * Monitoring condition and a Warning rather than failing), are then installed as minimal stand-ins
 * (fixtures/monitoring-crds.yaml), and removed again at the end: the environment is shared.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { renderOperatorInstall } from '../../manifests/operatorInstall.ts';
import { startOperator } from '../../operator/operator.ts';
import { freePort } from '../../envtest/ports.ts';
import { nullLogger } from '../../runtime/util/log.ts';
import { Registry } from 'prom-client';
import { waitFor } from './helpers/wait.ts';
import { adminClient, applyInstance, conditionOf, createNamespace, deleteInstance, getInstance, installCrd, instanceDoc, kubeConfigAs, kubectl, runOperator, smallSpec, type Obj } from './operator-support.ts';

const env = inject('env');
const client = adminClient(env);
const NAME = 'watched';
const CRDS = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/monitoring-crds.yaml'), 'utf8');
const MONITORING = '/apis/monitoring.coreos.com/v1';

interface KubeEvent {
  type: string;
  reason: string;
  message: string;
}

describe('instance monitoring and NetworkPolicies (real kube-apiserver)', () => {
  let op: ReturnType<typeof runOperator>;
  let ns: string;
  let uid: string;
  const monitoring = async () => conditionOf(await getInstance(client, ns, NAME), 'Monitoring');
  const owned = (o: Obj | undefined) => o?.metadata.ownerReferences?.some((r) => r.uid === uid && r.controller);
  const policies = async () => (await client.list<Obj>(`/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`)).items.map((p) => p.metadata.name).sort();
  const spec = (extra: Record<string, unknown>) => instanceDoc(NAME, ns, { ...smallSpec(), ...extra });

  beforeAll(async () => {
    await kubectl(env, ['delete', '--ignore-not-found', '-f', '-'], CRDS);
    await installCrd(client);
    ns = await createNamespace(client, 'op-observe');
    op = runOperator(env, { optionalKindsIntervalMs: 500 });
  });

  afterAll(async () => {
    await deleteInstance(client, ns, NAME);
    await op?.stop();
    await kubectl(env, ['delete', '--ignore-not-found', '-f', '-'], CRDS);
  });

  it('without the Prometheus Operator CRDs: a Monitoring condition and a Warning, the rest applied', async () => {
    const inst = await applyInstance(client, spec({ monitoring: { serviceMonitor: { enabled: true } }, networkPolicy: { enabled: true } }));
    uid = inst.metadata.uid!;
    const cond = await waitFor('Monitoring=False', async () => ((await monitoring())?.status === 'False' ? monitoring() : undefined), { timeoutMs: 60_000 });
    expect(cond).toMatchObject({ reason: 'CRDNotInstalled', message: expect.stringContaining('ServiceMonitor (monitoring.coreos.com/v1)') });
    const events = await waitFor('a CRDNotInstalled Warning', async () => {
      const list = await client.list<KubeEvent>(`/api/v1/namespaces/${ns}/events`, { fieldSelector: `involvedObject.name=${NAME}` });
      return list.items.find((e) => e.reason === 'CRDNotInstalled' && e.type === 'Warning');
    });
    expect(events.message).toMatch(/install the Prometheus Operator's CRDs/);
    // Not an error of the instance: it is not Degraded for it, and everything else is applied.
    expect(conditionOf(await getInstance(client, ns, NAME), 'Degraded')?.message ?? '').not.toMatch(/monitoring/i);
    await waitFor('the NetworkPolicies', async () => (await policies()).length === 7);
    expect(await policies()).toEqual(['consumer', 'default-deny', 'etcd', 'frontend', 'informers', 'jaeger-collector', 'jaeger-storage'].map((s) => `${NAME}-${s}`));
    const consumer = await client.get<Obj>(`/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/${NAME}-consumer`);
    expect(owned(consumer)).toBe(true);
    expect(await client.find(`/api/v1/namespaces/${ns}/services/${NAME}-metrics`)).toBeDefined();
  });

  it('applies the ServiceMonitor once the CRD is installed, owned by the instance', async () => {
    const applied = await kubectl(env, ['apply', '-f', '-'], CRDS);
    expect(applied.code, applied.stderr).toBe(0);
    const sm = await waitFor('the ServiceMonitor', () => client.find<Obj & { spec: { endpoints: { port: string }[] } }>(`${MONITORING}/namespaces/${ns}/servicemonitors/${NAME}-metrics`), { timeoutMs: 60_000 });
    expect(owned(sm)).toBe(true);
    expect(sm.spec.endpoints.map((e) => e.port)).toEqual(['metrics', 'jaeger-metrics']);
    await waitFor('Monitoring=True', async () => (await monitoring())?.status === 'True');
  });

  it('prunes what is disabled: ServiceMonitor for a PodMonitor, then every monitor and NetworkPolicy', async () => {
    await applyInstance(client, spec({ monitoring: { podMonitor: { enabled: true } }, networkPolicy: { enabled: true } }));
    const pm = await waitFor('the PodMonitor', () => client.find<Obj>(`${MONITORING}/namespaces/${ns}/podmonitors/${NAME}-metrics`), { timeoutMs: 60_000 });
    expect(owned(pm)).toBe(true);
    await waitFor('the ServiceMonitor and metrics Service pruned', async () => {
      const sm = await client.find(`${MONITORING}/namespaces/${ns}/servicemonitors/${NAME}-metrics`);
      const svc = await client.find(`/api/v1/namespaces/${ns}/services/${NAME}-metrics`);
      return !sm && !svc;
    });
    await applyInstance(client, spec({}));
    await waitFor('everything opt-in pruned', async () => !(await client.find(`${MONITORING}/namespaces/${ns}/podmonitors/${NAME}-metrics`)) && (await policies()).length === 0, { timeoutMs: 60_000 });
    await waitFor('the Monitoring condition gone', async () => (await monitoring()) === undefined);
  });
});

describe("the operator's /metrics beyond loopback (TokenReview + SubjectAccessReview)", () => {
  let ns: string;
  let url: string;
  let stop: () => Promise<void>;
  const scrape = (token?: string) => fetch(`${url}/metrics`, { headers: token ? { Authorization: `Bearer ${token}` } : {} }).then((r) => r.status);

  beforeAll(async () => {
    ns = await createNamespace(client, 'op-metrics');
    const port = await freePort();
    const op = startOperator({ kubeconfig: kubeConfigAs(env), logger: nullLogger, registry: new Registry(), leaderElection: false, metricsListen: { host: '127.0.0.1', port }, metricsAuth: true, auditFlowing: false, watchNamespaces: [ns] });
    stop = () => op.stop();
    url = `http://127.0.0.1:${port}`;
    const reader = renderOperatorInstall({ namespace: ns, image: 'kelemetry:test' }).filter((o) => (o.metadata as { name: string }).name === 'kelemetry-metrics-reader');
    expect(reader).toHaveLength(1);
    expect((await kubectl(env, ['apply', '-f', '-'], JSON.stringify(reader[0]))).code).toBe(0);
    await kubectl(env, ['-n', ns, 'create', 'serviceaccount', 'prometheus']);
    await kubectl(env, ['-n', ns, 'create', 'serviceaccount', 'stranger']);
    await waitFor('the metrics server', () => fetch(`${url}/healthz`).then((r) => r.ok, () => false));
  });

  afterAll(async () => {
    await stop?.();
    await kubectl(env, ['delete', '--ignore-not-found', `clusterrolebinding/${ns}-metrics`]);
  });

  it('answers 401 without a valid token, 403 to a service account not bound to the reader role, 200 once bound', async () => {
    const token = async (sa: string) => (await kubectl(env, ['-n', ns, 'create', 'token', sa])).stdout.trim();
    expect(await scrape()).toBe(401);
    expect(await scrape('not-a-token')).toBe(401);
    expect(await scrape(await token('stranger'))).toBe(403);
    await kubectl(env, ['create', 'clusterrolebinding', `${ns}-metrics`, '--clusterrole=kelemetry-metrics-reader', `--serviceaccount=${ns}:prometheus`]);
    expect(await scrape(await token('prometheus'))).toBe(200);
    expect(await scrape(await token('stranger'))).toBe(403);
  });
});
