/**
 * Status from live objects: one condition per component (from its Deployment/StatefulSet status), and
 * the summary conditions Ready, Progressing and Degraded. Pure functions, so every message a user
 * reads is unit-tested. Transition times are kept when a condition's status does not change, so an
 * unchanged world computes an identical status and the operator writes nothing.
 */
import type { ComponentStatus, Condition, KelemetryInstance, KelemetryInstanceStatus } from '../../api/types.ts';
import { VERSION_LABEL, type ComponentId } from '../../manifests/naming.ts';
import type { RenderedComponent } from '../../manifests/workload.ts';
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
  now: Date;
}

function cond(type: string, status: Condition['status'], reason: string, message: string, generation: number | undefined): Condition {
  return { type, status, reason, message, lastTransitionTime: '', ...(generation !== undefined ? { observedGeneration: generation } : {}) };
}

export function computeStatus(input: StatusInput): KelemetryInstanceStatus {
  const { instance, components, live, plan, problems } = input;
  const gen = instance.metadata.generation;
  const desired = instance.spec.version;
  const unmanaged = instance.spec.managementState === 'Unmanaged';
  const conditions: Condition[] = [];
  const componentStatuses: ComponentStatus[] = [];
  const failures: Problem[] = [...problems];

  for (const c of components) {
    const w = live.get(c.id) ?? workloadState(c.id, undefined);
    componentStatuses.push({
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

  const allReady = components.every((c) => live.get(c.id)?.ready);
  const allAtDesired = components.every((c) => live.get(c.id)?.version === desired);
  const notReady = components.filter((c) => !live.get(c.id)?.ready).map((c) => c.id);

  if (failures.length) {
    const reason = failures[0]!.reason;
    conditions.push(cond('Degraded', 'True', reason, failures.map((f) => f.message).join('; '), gen));
  } else {
    conditions.push(cond('Degraded', 'False', 'AsExpected', 'no problems found', gen));
  }
  const rolling = plan.phase !== 'Idle';
  if (unmanaged) {
    conditions.push(cond('Progressing', 'False', 'Unmanaged', 'managementState is Unmanaged: objects are not reconciled', gen));
  } else if (rolling) {
    conditions.push(cond('Progressing', 'True', 'Upgrading', plan.message, gen));
  } else if (!allReady) {
    conditions.push(cond('Progressing', 'True', 'Deploying', `waiting for ${notReady.join(', ')}`, gen));
  } else {
    conditions.push(cond('Progressing', 'False', 'Idle', `all components run ${desired}`, gen));
  }
  if (failures.length) {
    conditions.push(cond('Ready', 'False', failures[0]!.reason, failures.map((f) => f.message).join('; '), gen));
  } else if (allReady && allAtDesired) {
    conditions.push(cond('Ready', 'True', 'Ready', `all ${components.length} components ready at ${desired}`, gen));
  } else if (rolling) {
    conditions.push(cond('Ready', 'False', 'Upgrading', plan.message, gen));
  } else {
    conditions.push(cond('Ready', 'False', 'ComponentsNotReady', `waiting for ${notReady.join(', ')}`, gen));
  }

  if (input.auditFlowing) {
    const a = input.auditFlowing;
    conditions.push(cond(a.type, a.status, a.reason, a.message, gen));
  }

  // Keep transition times of conditions whose status did not change.
  const previous = new Map((instance.status?.conditions ?? []).map((c) => [c.type, c]));
  const stamp = input.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const c of conditions) {
    const prev = previous.get(c.type);
    c.lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : stamp;
  }

  const versions = new Set(components.map((c) => live.get(c.id)?.version));
  const uniform = versions.size === 1 && allReady ? [...versions][0] : undefined;
  return {
    ...(gen !== undefined ? { observedGeneration: gen } : {}),
    conditions,
    ...((uniform ?? instance.status?.currentVersion) ? { currentVersion: uniform ?? instance.status?.currentVersion } : {}),
    desiredVersion: desired,
    rollout: { phase: plan.phase, message: plan.message },
    components: componentStatuses,
    clusterCount: instance.spec.clusters.length,
    ...(input.auditWebhook ? { auditWebhook: input.auditWebhook } : {}),
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
