/**
 * Kubernetes Events from the operator, as `kubectl describe kelemetryinstance` shows them. Real servers:
 * kube-apiserver (Events, ResourceQuota admission), kube-controller-manager and kwok. The operator runs
 * in-process; a ResourceQuota refusing ConfigMaps makes an apply fail, and a spec edit prunes a child.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from './helpers/wait.ts';
import { adminClient, applyInstance, createNamespace, deleteInstance, installCrd, instanceDoc, kubectl, runOperator, smallSpec } from './operator-support.ts';

const env = inject('env');
const client = adminClient(env);
const NAME = 'noisy';

interface KubeEvent {
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string; uid?: string };
  source?: { component?: string };
}

describe('operator Events (real kube-apiserver)', () => {
  let op: ReturnType<typeof runOperator>;
  let ns: string;
  const events = async () =>
    (await client.list<KubeEvent>(`/api/v1/namespaces/${ns}/events`, { fieldSelector: `involvedObject.kind=KelemetryInstance,involvedObject.name=${NAME}` })).items;
  const waitEvent = (what: string, match: (e: KubeEvent) => boolean) => waitFor(what, async () => (await events()).find(match), { timeoutMs: 60_000 });

  beforeAll(async () => {
    await installCrd(client);
    ns = await createNamespace(client, 'op-events');
    op = runOperator(env);
  });

  afterAll(async () => {
    await deleteInstance(client, ns, NAME);
    await op?.stop();
  });

  it('reports an apply failure as a Warning on the instance, and the credentials it created', async () => {
    // No ConfigMap is admitted once the quota controller has computed the quota's status.
    const quota = await kubectl(env, ['-n', ns, 'create', 'quota', 'no-configmaps', '--hard=configmaps=0']);
    expect(quota.code).toBe(0);
    await waitFor('the quota to be enforced', async () => (await client.get<{ status?: { hard?: object } }>(`/api/v1/namespaces/${ns}/resourcequotas/no-configmaps`)).status?.hard);
    const inst = await applyInstance(client, instanceDoc(NAME, ns, smallSpec()));
    // A new instance's first "Ready is False" event carries the same reason (as a Normal event), so pick the Warning.
    const failed = await waitEvent('an ApplyFailed Warning', (e) => e.reason === 'ApplyFailed' && e.type === 'Warning');
    expect(failed).toMatchObject({ involvedObject: { kind: 'KelemetryInstance', name: NAME, uid: inst.metadata.uid }, source: { component: 'kelemetry-operator' } });
    expect(failed.message).toMatch(/ConfigMap noisy-[a-z-]+: .*exceeded quota/);
    await waitEvent('a Degraded Warning', (e) => e.type === 'Warning' && e.message.startsWith('Degraded is True'));
    await waitEvent('the token Secret event', (e) => e.reason === 'AuditTokenCreated' && e.type === 'Normal');
  });

  it('reports readiness changes and pruned children', async () => {
    await kubectl(env, ['-n', ns, 'delete', 'quota', 'no-configmaps']);
    await waitEvent('Ready is True', (e) => e.type === 'Normal' && e.message.startsWith('Ready is True'));
    const spec = smallSpec();
    await applyInstance(client, instanceDoc(NAME, ns, { ...spec, audit: { replicas: 2 } }));
    await waitFor('the consumer PodDisruptionBudget', () => client.find(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${NAME}-consumer`));
    await applyInstance(client, instanceDoc(NAME, ns, spec));
    const pruned = await waitEvent('a Pruned event', (e) => e.reason === 'Pruned');
    expect(pruned).toMatchObject({ type: 'Normal', message: `deleted PodDisruptionBudget ${NAME}-consumer, which the spec no longer renders` });
    const described = await kubectl(env, ['-n', ns, 'describe', 'kelemetryinstance', NAME]);
    expect(described.stdout).toMatch(/Events:[\s\S]*Pruned/);
  });

  it('reports a spec the API server admitted but the operator cannot use', async () => {
    // The resource tag grammar has no CEL twin: only the operator refuses it.
    const bad = 'broken';
    await applyInstance(client, instanceDoc(bad, ns, { ...smallSpec(), resourceTags: { mapping: ['no-hash-here'] } }));
    try {
      const list = async () => (await client.list<KubeEvent>(`/api/v1/namespaces/${ns}/events`, { fieldSelector: `involvedObject.kind=KelemetryInstance,involvedObject.name=${bad}` })).items;
      const invalid = await waitFor('an InvalidSpec Warning', async () => (await list()).find((e) => e.reason === 'InvalidSpec'), { timeoutMs: 60_000 });
      expect(invalid).toMatchObject({ type: 'Warning', message: expect.stringContaining('spec.resourceTags.mapping') });
    } finally {
      await deleteInstance(client, ns, bad);
    }
  });
});
