/**
 * Status from live objects: one condition per component (from its Deployment/StatefulSet status), and
 * the summary conditions Ready, Progressing and Degraded; the status of an invalid spec; the audit
 * webhook URLs. Every condition the operator writes is built here, in pure functions, so every message
 * a user reads is unit-tested. Transition times are kept when a condition's status does not change, so an
 * unchanged world computes an identical status and the operator writes nothing.
 */
import type { ComponentStatus, Condition, KelemetryInstance, KelemetryInstanceStatus } from '../../api/types.ts';
import { VERSION_LABEL, type ComponentId } from '../../manifests/naming.ts';
import { PORTS } from '../../manifests/ports.ts';
import { auditTokenRef, serviceHost } from '../../manifests/runtimeConfig.ts';
import type { RenderedComponent } from '../../manifests/workload.ts';
import { AUDIT_FLOWING } from '../../runtime/diagnose/auditFlowing.ts';
import type { LiveComponent, RolloutPlan } from './rollout.ts';

export interface WorkloadObject {
  kind?: string;
  metadata?: { generation?: number; labels?: Record<string, string> };
  spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface WorkloadState extends LiveComponent {
  exists: boolean;
  replicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  /** Set when the workload's controller reports a failure (e.g. ProgressDeadlineExceeded). */
  failure?: string;
}

export function workloadState(id: ComponentId, live: WorkloadObject | undefined): WorkloadState {
  if (!live) return { id, exists: false, ready: false, replicas: 0, readyReplicas: 0, updatedReplicas: 0 };
  const want = live.spec?.replicas ?? 1;
  const s = live.status ?? {};
  const observed = (s.observedGeneration ?? 0) >= (live.metadata?.generation ?? 0);
  const ready = s.readyReplicas ?? 0;
  const updated = s.updatedReplicas ?? 0;
  const total = s.replicas ?? 0;
  let isReady = observed && updated >= want && ready >= want && total === want;
  if (live.kind === 'Deployment') isReady = isReady && (s.availableReplicas ?? 0) >= want;
  if (live.kind === 'StatefulSet' && s.updateRevision) isReady = isReady && s.currentRevision === s.updateRevision;
  if (want === 0) isReady = observed && total === 0;
  const failed = s.conditions?.find(
    (c) => (c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded') || (c.type === 'ReplicaFailure' && c.status === 'True'),
  );
  return {
    id,
    exists: true,
    version: live.spec?.template?.metadata?.labels?.[VERSION_LABEL] ?? live.metadata?.labels?.[VERSION_LABEL],
    ready: isReady,
    replicas: want,
    readyReplicas: ready,
    updatedReplicas: updated,
    failure: failed ? `${failed.reason ?? failed.type}: ${failed.message ?? ''}`.trim() : undefined,
  };
}

/** A problem that makes the instance Degraded; reasons are CamelCase and stable. */
export interface Problem {
  reason: 'InvalidReference' | 'ApplyFailed' | 'StoreUnreachable' | 'ComponentFailed' | 'PruneFailed';
  message: string;
}

const conditionType = (id: ComponentId) =>
  `${id
    .split('-')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('')}Ready`;

export interface StatusInput {
  instance: KelemetryInstance;
  components: RenderedComponent[];
  live: Map<ComponentId, WorkloadState>;
  plan: RolloutPlan;
  problems: Problem[];
  auditWebhook: KelemetryInstanceStatus['auditWebhook'];
  /** The diagnosis of the audit path (operator/controller/auditFlowing.ts); informational, never affects Ready. */
  auditFlowing?: Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;
  /** Whether the requested monitoring objects could be applied (monitoringCondition); informational too. */
  monitoring?: Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;
  now: Date;
}

function cond(type: string, status: Condition['status'], reason: string, message: string, generation: number | undefined): Condition {
  return { type, status, reason, message, lastTransitionTime: '', ...(generation !== undefined ? { observedGeneration: generation } : {}) };
}

export function computeStatus(input: StatusInput): KelemetryInstanceStatus {
  const { instance, components, live, plan } = input;
  const gen = instance.metadata.generation;
  const desired = instance.spec.version;
  const perComponent = componentConditions(components, live, gen);
  const failures = [...input.problems, ...perComponent.failures];
  const conditions = [...perComponent.conditions, ...summaryConditions(input, failures)];
  for (const a of [input.auditFlowing, input.monitoring]) if (a) conditions.push(cond(a.type, a.status, a.reason, a.message, gen));
  keepTransitionTimes(conditions, instance.status?.conditions ?? [], input.now);

  const allReady = components.every((c) => live.get(c.id)?.ready);
  const versions = new Set(components.map((c) => live.get(c.id)?.version));
  const uniform = versions.size === 1 && allReady ? [...versions][0] : undefined;
  return {
    ...(gen !== undefined ? { observedGeneration: gen } : {}),
    conditions,
    ...((uniform ?? instance.status?.currentVersion) ? { currentVersion: uniform ?? instance.status?.currentVersion } : {}),
    desiredVersion: desired,
    rollout: { phase: plan.phase, message: plan.message },
    components: perComponent.statuses,
    clusterCount: instance.spec.clusters.length,
    ...(input.auditWebhook ? { auditWebhook: input.auditWebhook } : {}),
  };
}

/** One `<Component>Ready` condition and one status entry per rendered component; failed workloads become problems. */
function componentConditions(components: RenderedComponent[], live: Map<ComponentId, WorkloadState>, gen: number | undefined) {
  const conditions: Condition[] = [];
  const statuses: ComponentStatus[] = [];
  const failures: Problem[] = [];
  for (const c of components) {
    const w = live.get(c.id) ?? workloadState(c.id, undefined);
    statuses.push({
      name: c.id,
      kind: c.kind,
      replicas: w.replicas,
      readyReplicas: w.readyReplicas,
      updatedReplicas: w.updatedReplicas,
      ...(w.version ? { version: w.version } : {}),
      ready: w.ready,
    });
    const type = conditionType(c.id);
    if (w.failure) {
      failures.push({ reason: 'ComponentFailed', message: `${c.kind} ${c.name}: ${w.failure}` });
      conditions.push(cond(type, 'False', 'Failed', `${c.kind} ${c.name}: ${w.failure}`, gen));
    } else if (!w.exists) {
      conditions.push(cond(type, 'False', 'NotCreated', `${c.kind} ${c.name} does not exist yet`, gen));
    } else if (w.ready) {
      conditions.push(cond(type, 'True', 'Available', `${w.readyReplicas}/${w.replicas} replicas ready at ${w.version ?? 'unknown version'}`, gen));
    } else {
      conditions.push(cond(type, 'False', 'Progressing', `${w.readyReplicas}/${w.replicas} ready, ${w.updatedReplicas} updated, at ${w.version ?? 'unknown version'}`, gen));
    }
  }
  return { conditions, statuses, failures };
}

/** Degraded, Progressing and Ready, in that order. */
function summaryConditions(input: StatusInput, failures: Problem[]): Condition[] {
  const { instance, components, live, plan } = input;
  const gen = instance.metadata.generation;
  const desired = instance.spec.version;
  const allReady = components.every((c) => live.get(c.id)?.ready);
  const allAtDesired = components.every((c) => live.get(c.id)?.version === desired);
  const notReady = components.filter((c) => !live.get(c.id)?.ready).map((c) => c.id);
  const failed = failures.length ? { reason: failures[0]!.reason, message: failures.map((f) => f.message).join('; ') } : undefined;
  const rolling = plan.phase !== 'Idle';
  const out: Condition[] = [];

  out.push(failed ? cond('Degraded', 'True', failed.reason, failed.message, gen) : cond('Degraded', 'False', 'AsExpected', 'no problems found', gen));
  if (instance.spec.managementState === 'Unmanaged') {
    out.push(cond('Progressing', 'False', 'Unmanaged', 'managementState is Unmanaged: objects are not reconciled', gen));
  } else if (rolling) {
    out.push(cond('Progressing', 'True', 'Upgrading', plan.message, gen));
  } else if (!allReady) {
    out.push(cond('Progressing', 'True', 'Deploying', `waiting for ${notReady.join(', ')}`, gen));
  } else {
    out.push(cond('Progressing', 'False', 'Idle', `all components run ${desired}`, gen));
  }
  if (failed) {
    out.push(cond('Ready', 'False', failed.reason, failed.message, gen));
  } else if (allReady && allAtDesired) {
    out.push(cond('Ready', 'True', 'Ready', `all ${components.length} components ready at ${desired}`, gen));
  } else if (rolling) {
    out.push(cond('Ready', 'False', 'Upgrading', plan.message, gen));
  } else {
    out.push(cond('Ready', 'False', 'ComponentsNotReady', `waiting for ${notReady.join(', ')}`, gen));
  }
  return out;
}

/** Stamps lastTransitionTime: kept from the previous condition of the same type while its status is unchanged. */
function keepTransitionTimes(conditions: Condition[], previous: Condition[], now: Date): void {
  const byType = new Map(previous.map((c) => [c.type, c]));
  const stamp = timestamp(now);
  for (const c of conditions) {
    const prev = byType.get(c.type);
    c.lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : stamp;
  }
}

/** Kubernetes `Time`: RFC 3339 in whole seconds. */
function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Status for a spec the apiserver accepted but the operator cannot use (e.g. an invalid regular
 * expression, which CEL cannot check): Ready=False and Degraded=True with reason InvalidSpec. The rest
 * of the previous status stays, AuditFlowing included: the pods may still run until the spec is fixed.
 */
export function invalidSpecStatus(prev: KelemetryInstanceStatus | undefined, generation: number | undefined, message: string, now: Date): KelemetryInstanceStatus {
  const previous = prev?.conditions ?? [];
  const conditions = [cond('Ready', 'False', 'InvalidSpec', message, generation), cond('Degraded', 'True', 'InvalidSpec', message, generation)];
  keepTransitionTimes(conditions, previous, now);
  return {
    ...prev,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: [...conditions, ...previous.filter((c) => c.type === AUDIT_FLOWING)],
  };
}

export const MONITORING = 'Monitoring';

/**
 * The Monitoring condition, present while spec.monitoring asks for a ServiceMonitor or PodMonitor: False
 * (CRDNotInstalled) while the API server does not serve its kind, which is not an error of the instance
 * (Ready is unaffected) but must be visible; True once it is applied.
 */
export function monitoringCondition(inst: KelemetryInstance, notServed: { apiVersion: string; kind: string; metadata: { name: string } }[]): StatusInput['monitoring'] {
  const { serviceMonitor, podMonitor } = inst.spec.monitoring;
  const wanted = [...(serviceMonitor.enabled ? ['ServiceMonitor'] : []), ...(podMonitor.enabled ? ['PodMonitor'] : [])];
  if (!wanted.length) return undefined;
  const missing = notServed.filter((o) => wanted.includes(o.kind));
  if (missing.length) {
    const kinds = missing.map((o) => `${o.kind} (${o.apiVersion})`).join(', ');
    const message = `the API server does not serve ${kinds}: install the Prometheus Operator's CRDs; ${missing.map((o) => `${o.kind} ${o.metadata.name}`).join(', ')} will be applied once they are`;
    return { type: MONITORING, status: 'False', reason: 'CRDNotInstalled', message };
  }
  return { type: MONITORING, status: 'True', reason: 'Applied', message: `${wanted.join(', ')} ${inst.metadata.name}-metrics applied` };
}

/** What the reconciler knows of the live webhook Service (absent until it exists). */
export interface LiveWebhookService {
  spec?: { clusterIP?: string; type?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/**
 * An address the API server itself can reach: its process resolves no `.svc` names (it is not a pod and
 * does not use cluster DNS), so the webhook URL names the load balancer when there is one, else the
 * ClusterIP (reachable where kube-proxy runs on the control-plane host), else the DNS name as a last resort.
 */
function reachableHost(inst: KelemetryInstance, live: LiveWebhookService | undefined): string {
  const ingress = live?.spec?.type === 'LoadBalancer' ? live.status?.loadBalancer?.ingress?.[0] : undefined;
  const clusterIp = live?.spec?.clusterIP && live.spec.clusterIP !== 'None' ? live.spec.clusterIP : undefined;
  const host = ingress?.ip ?? ingress?.hostname ?? clusterIp ?? serviceHost(inst, 'webhook');
  return host.includes(':') ? `[${host}]` : host;
}

/** Where each audit-enabled cluster's apiserver posts audit events (`status.auditWebhook`). */
export function auditWebhookStatus(inst: KelemetryInstance, live?: LiveWebhookService): KelemetryInstanceStatus['auditWebhook'] {
  const scheme = inst.spec.audit.tls.enabled ? 'https' : 'http';
  const address = `${reachableHost(inst, live)}:${PORTS.webhook}`;
  return {
    service: `${serviceHost(inst, 'webhook')}:${PORTS.webhook}`,
    address,
    clusters: inst.spec.clusters.filter((c) => c.audit.enabled).map((c) => ({ name: c.name, url: `${scheme}://${address}/audit/${c.name}` })),
    tokenSecretRef: auditTokenRef(inst),
  };
}

/** Deep equality of plain JSON values (status comparison before writing). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}
