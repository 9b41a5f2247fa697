import { describe, expect, it } from 'vitest';
import type { ComponentId } from '../../manifests/naming.ts';
import type { RenderedComponent } from '../../manifests/workload.ts';
import { parseInstance, type KelemetryInstance } from '../../api/types.ts';
import { planRollout } from './rollout.ts';
import { auditFlowingCondition } from '../../runtime/diagnose/auditFlowing.ts';
import { diagnose } from '../../runtime/diagnose/diagnose.ts';
import { computeStatus, jsonEqual, workloadState, type WorkloadObject, type WorkloadState } from './status.ts';

const instance = (status?: unknown): KelemetryInstance =>
  parseInstance({
    apiVersion: 'kelemetry.io/v1alpha1',
    kind: 'KelemetryInstance',
    metadata: { name: 'k', namespace: 'ns', generation: 4 },
    spec: { version: '0.2.0', clusters: [{ name: 'a' }, { name: 'b' }], storage: { jaeger: { external: { otlpEndpoint: 'j:4317', remoteStorageEndpoint: 'j:17271' } } } },
    status,
  });

const deployment = (version: string, ready: number, opts: Partial<{ generation: number; observed: number; replicas: number; failed: boolean }> = {}): WorkloadObject => ({
  kind: 'Deployment',
  metadata: { generation: opts.generation ?? 2 },
  spec: { replicas: opts.replicas ?? 2, template: { metadata: { labels: { 'app.kubernetes.io/version': version } } } },
  status: {
    observedGeneration: opts.observed ?? 2,
    replicas: opts.replicas ?? 2,
    readyReplicas: ready,
    availableReplicas: ready,
    updatedReplicas: opts.replicas ?? 2,
    conditions: opts.failed ? [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "x" has timed out progressing.' }] : [],
  },
});

const ids: ComponentId[] = ['etcd', 'informers', 'consumer', 'frontend'];
const rendered: RenderedComponent[] = ids.map((id) => ({ id, kind: id === 'etcd' ? 'StatefulSet' : 'Deployment', name: `k-${id}`, replicas: 2, version: '0.2.0' }));

function status(inst: KelemetryInstance, objs: Partial<Record<ComponentId, WorkloadObject>>, problems = []) {
  const live = new Map<ComponentId, WorkloadState>(ids.map((id) => [id, workloadState(id, objs[id])]));
  const plan = planRollout(inst.spec.version, ids, [...live.values()].filter((w) => w.exists));
  return computeStatus({ instance: inst, components: rendered, live, plan, problems, auditWebhook: undefined, now: new Date('2026-01-01T00:00:00Z') });
}
const condition = (s: ReturnType<typeof status>, type: string) => s.conditions!.find((c) => c.type === type)!;

describe('workloadState', () => {
  it('is not ready until the controller observed the latest generation', () => {
    expect(workloadState('consumer', deployment('0.2.0', 2, { generation: 3, observed: 2 })).ready).toBe(false);
    expect(workloadState('consumer', deployment('0.2.0', 2)).ready).toBe(true);
    expect(workloadState('consumer', deployment('0.2.0', 1)).ready).toBe(false);
  });
  it('reports a stuck rollout', () => {
    expect(workloadState('consumer', deployment('0.2.0', 0, { failed: true })).failure).toContain('ProgressDeadlineExceeded');
  });
});

describe('computeStatus', () => {
  it('is Ready when every component is ready at the desired version', () => {
    const s = status(instance(), Object.fromEntries(ids.map((id) => [id, deployment('0.2.0', 2)])));
    expect(condition(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Ready', observedGeneration: 4 });
    expect(condition(s, 'Progressing').status).toBe('False');
    expect(condition(s, 'Degraded').status).toBe('False');
    expect(condition(s, 'ConsumerReady')).toMatchObject({ status: 'True', message: '2/2 replicas ready at 0.2.0' });
    expect(s).toMatchObject({ observedGeneration: 4, currentVersion: '0.2.0', desiredVersion: '0.2.0', clusterCount: 2, rollout: { phase: 'Idle' } });
  });

  it('reports an upgrade in progress with the old current version', () => {
    const s = status(instance({ currentVersion: '0.1.0' }), { etcd: deployment('0.2.0', 1), informers: deployment('0.1.0', 2), consumer: deployment('0.1.0', 2), frontend: deployment('0.1.0', 2) });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'Upgrading' });
    expect(condition(s, 'Progressing')).toMatchObject({ status: 'True', reason: 'Upgrading' });
    expect(s.rollout).toMatchObject({ phase: 'Stores' });
    expect(s.currentVersion).toBe('0.1.0');
  });

  it('is Degraded with a message naming the field for an invalid reference', () => {
    const s = status(instance(), {}, [{ reason: 'InvalidReference', message: 'spec.clusters[1].kubeconfig.secretRef: Secret ns/west not found' }] as never);
    expect(condition(s, 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidReference', message: expect.stringContaining('Secret ns/west not found') });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidReference' });
  });

  it('keeps lastTransitionTime when a condition keeps its status (no status churn)', () => {
    const first = status(instance(), Object.fromEntries(ids.map((id) => [id, deployment('0.2.0', 2)])));
    const again = computeStatus({
      instance: instance({ ...first, conditions: first.conditions!.map((c) => ({ ...c, lastTransitionTime: '2025-01-01T00:00:00Z' })) }),
      components: rendered,
      live: new Map(ids.map((id) => [id, workloadState(id, deployment('0.2.0', 2))])),
      plan: planRollout('0.2.0', ids, ids.map((id) => ({ id, version: '0.2.0', ready: true }))),
      problems: [],
      auditWebhook: undefined,
      now: new Date('2026-06-01T00:00:00Z'),
    });
    expect(new Set(again.conditions!.map((c) => c.lastTransitionTime))).toEqual(new Set(['2025-01-01T00:00:00Z']));
  });
});

describe('computeStatus: AuditFlowing', () => {
  const allReady = () => Object.fromEntries(ids.map((id) => [id, deployment('0.2.0', 2)]));
  const unavailable = auditFlowingCondition(diagnose({ current: [] }), {
    windowComplete: false,
    failures: [{ target: 'ns/k-consumer-6b9f-x2k9p:9090', error: 'scraping ns/k-consumer-6b9f-x2k9p:9090 through the apiserver pod proxy: HTTP 503: no endpoints' }],
  });
  const withAudit = (inst: KelemetryInstance, auditFlowing: typeof unavailable, now = '2026-01-01T00:00:00Z') => {
    const live = new Map<ComponentId, WorkloadState>(ids.map((id) => [id, workloadState(id, allReady()[id])]));
    const plan = planRollout(inst.spec.version, ids, [...live.values()]);
    return computeStatus({ instance: inst, components: rendered, live, plan, problems: [], auditWebhook: undefined, auditFlowing, now: new Date(now) });
  };

  it('reports metrics that cannot be read as Unknown/MetricsUnavailable, naming what failed, without touching Ready or Degraded', () => {
    const s = withAudit(instance(), unavailable);
    expect(condition(s, 'AuditFlowing')).toMatchObject({
      status: 'Unknown',
      reason: 'MetricsUnavailable',
      message: expect.stringContaining("cannot read the consumer's metrics: scraping ns/k-consumer-6b9f-x2k9p:9090 through the apiserver pod proxy: HTTP 503"),
      observedGeneration: 4,
    });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Ready' });
    expect(condition(s, 'Degraded').status).toBe('False');
  });

  it('a failing audit path (False) still leaves Ready True: Ready is about the workloads', () => {
    const noAudit = { type: 'AuditFlowing' as const, status: 'False' as const, reason: 'NoAuditRequests', message: 'no audit requests received in the last 5m: check kube-apiserver ...' };
    const s = withAudit(instance(), noAudit);
    expect(condition(s, 'AuditFlowing')).toMatchObject({ status: 'False', reason: 'NoAuditRequests' });
    expect(condition(s, 'Ready').status).toBe('True');
  });

  it('an unchanged verdict computes an identical status (no write); lastTransitionTime moves only with the status', () => {
    const first = withAudit(instance(), unavailable);
    const again = withAudit(instance(first), unavailable, '2026-01-01T00:10:00Z');
    expect(jsonEqual(again, first)).toBe(true);
    const healthy = { type: 'AuditFlowing' as const, status: 'True' as const, reason: 'AuditEventsReceived', message: 'received 12 audit webhook requests in the last 5m (12 accepted)' };
    const flowing = withAudit(instance(first), healthy, '2026-01-01T00:20:00Z');
    expect(condition(flowing, 'AuditFlowing')).toMatchObject({ status: 'True', lastTransitionTime: '2026-01-01T00:20:00Z' });
    expect(condition(flowing, 'Ready').lastTransitionTime).toBe(condition(first, 'Ready').lastTransitionTime);
    // Same status, new reason: the transition time stays (Kubernetes convention).
    const refused = withAudit(instance(flowing), { ...healthy, reason: 'Other', message: 'x' }, '2026-01-01T00:30:00Z');
    expect(condition(refused, 'AuditFlowing').lastTransitionTime).toBe('2026-01-01T00:20:00Z');
  });

  it('omits the condition when no diagnosis exists', () => {
    expect(status(instance(), allReady()).conditions!.map((c) => c.type)).not.toContain('AuditFlowing');
  });
});
