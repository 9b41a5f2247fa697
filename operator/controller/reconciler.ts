/**
 * Reconcile of one KelemetryInstance: read it from the cache → finalizer / deletion → check references
 * → plan the rollout from live workloads → render (manifests/) → apply what changed or drifted and
 * prune what is no longer rendered (children.ts) → compute status (status.ts) → write /status only if
 * it changed. Never writes spec; the only metadata it writes is its finalizer.
 */
import { API_VERSION, KIND, SpecError, parseInstance, type KelemetryInstance, type KelemetryInstanceStatus } from '../../api/types.ts';
import { renderInstance } from '../../manifests/instance.ts';
import { FIELD_MANAGER, type ComponentId } from '../../manifests/naming.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import type { Logger } from '../../runtime/util/log.ts';
import type { K8sObject } from './apply.ts';
import { auditFlowingFor, type AuditFlowingSource } from './auditFlowing.ts';
import { Children } from './children.ts';
import { ensureAuditToken } from './credentials.ts';
import { ensureCertificates, wantedCertificates } from './certificates.ts';
import { conditionEvents, type EventRecorder, type EventSpec } from './events.ts';
import { addFinalizerPatch, removeFinalizerPatch } from './finalizer.ts';
import { checkExternalStores, checkReferences } from './references.ts';
import { INSTANCE_RESOURCE, objectPath, resourceFor } from './resources.ts';
import { planRollout } from './rollout.ts';
import { auditWebhookStatus, computeStatus, type LiveWebhookService, invalidSpecStatus, monitoringCondition, jsonEqual, workloadState, type Problem, type WorkloadObject, type WorkloadState } from './status.ts';
import type { InstanceCache } from './watches.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** An error retrying cannot fix (e.g. an invalid spec that slipped past the CRD): not requeued. */
export class TerminalError extends Error {}

export interface ReconcilerDeps {
  rest: KubeRest;
  cache: InstanceCache;
  logger: Logger;
  /** TCP-probe external stores and report them in status (default true). */
  probeStores?: boolean;
  /** The AuditFlowing diagnosis; without it the condition is not reported. */
  auditFlowing?: AuditFlowingSource;
  /** Kubernetes Events about instances; none are written without it. */
  events?: EventRecorder;
  now?: () => Date;
}

/** How often an instance with an unresolved reference or unreachable store is looked at again (Secrets are not watched). */
const RECHECK_MS = 15_000;

export class Reconciler {
  private readonly children: Children;

  constructor(private readonly deps: ReconcilerDeps) {
    this.children = new Children(deps.rest, deps.cache);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const raw = this.deps.cache.instance(namespace, name);
    const log = this.deps.logger.child({ instance: key });
    if (!raw || raw.metadata.deletionTimestamp) {
      this.deps.auditFlowing?.forget(key);
      if (raw) await this.finalize(raw, log);
      return {};
    }
    const inst = await this.parse(raw, key);
    const managed = inst.spec.managementState === 'Managed';
    if (managed) await this.patchInstance(raw, addFinalizerPatch(raw), FIELD_MANAGER);

    const events: EventSpec[] = [];
    const notify = (e: EventSpec) => events.push(e);
    const problems: Problem[] = await checkReferences(this.deps.rest, inst);
    if (this.deps.probeStores ?? true) problems.push(...(await checkExternalStores(inst)));
    const componentIds = renderInstance(inst).components.map((c) => c.id);
    const plan = planRollout(inst.spec.version, componentIds, [...this.liveWorkloads(inst, componentIds).values()].filter((w) => w.exists));
    const rendered = renderInstance(inst, { versions: plan.versions });
    // A ServiceMonitor or PodMonitor whose CRD is missing is reported (Monitoring condition, an Event), not applied.
    const { served, notServed } = this.children.servedOnly(rendered.objects as K8sObject[]);
    const monitoring = monitoringCondition(inst, notServed);
    if (managed && monitoring?.status === 'False') notify({ type: 'Warning', reason: monitoring.reason, message: monitoring.message });
    // With a broken reference the new pods could not start: keep what runs, report, and look again later.
    const webhookService = () => this.children.live(resourceFor('v1', 'Service'), `${inst.metadata.name}-webhook`, inst.metadata.namespace ?? 'default') as LiveWebhookService | undefined;
    if (managed && !problems.some((p) => p.reason === 'InvalidReference')) {
      problems.push(...(await ensureAuditToken(this.deps.rest, inst, log, notify)));
      // Before the pods that mount them; the webhook Service's ClusterIP joins its certificate once the Service exists.
      problems.push(...(await ensureCertificates(inst, wantedCertificates(inst, webhookService()), { rest: this.deps.rest, log, notify, now: this.now() })));
      problems.push(...(await this.children.converge(inst, served, log, notify)));
    }

    const auditWebhook = auditWebhookStatus(inst, webhookService());
    const status = computeStatus({
      instance: inst,
      components: rendered.components,
      live: this.liveWorkloads(inst, componentIds),
      plan,
      problems,
      auditWebhook,
      auditFlowing: this.deps.auditFlowing && auditFlowingFor(this.deps.auditFlowing, key, inst, auditWebhook?.clusters[0]?.url),
      monitoring,
      now: this.now(),
    });
    for (const p of problems) if (p.reason === 'ApplyFailed' || p.reason === 'PruneFailed') notify({ type: 'Warning', reason: p.reason, message: p.message });
    events.push(...conditionEvents((raw as { status?: KelemetryInstanceStatus }).status?.conditions, status.conditions ?? []));
    await this.writeStatus(raw, status);
    for (const e of events) await this.deps.events?.emit(raw, e);
    if (problems.some((p) => p.reason === 'ApplyFailed' || p.reason === 'PruneFailed')) {
      throw new Error(problems.map((p) => p.message).join('; '));
    }
    return problems.length ? { requeueAfterMs: RECHECK_MS } : {};
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The typed instance; an invalid spec is reported in status and ends in a TerminalError. */
  private async parse(raw: K8sObject, key: string): Promise<KelemetryInstance> {
    try {
      return parseInstance(raw, key);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      const prev = (raw as { status?: KelemetryInstanceStatus }).status;
      const generation = (raw.metadata as { generation?: number }).generation;
      await this.writeStatus(raw, invalidSpecStatus(prev, generation, err.issues.join('; '), this.now()));
      await this.deps.events?.emit(raw, { type: 'Warning', reason: 'InvalidSpec', message: err.issues.join('; ') });
      throw new TerminalError(err.message);
    }
  }

  private liveWorkloads(inst: KelemetryInstance, ids: ComponentId[]): Map<ComponentId, WorkloadState> {
    const ns = inst.metadata.namespace ?? 'default';
    const out = new Map<ComponentId, WorkloadState>();
    for (const id of ids) {
      const name = `${inst.metadata.name}-${id}`;
      const obj = this.children.live(resourceFor('apps/v1', 'Deployment'), name, ns) ?? this.children.live(resourceFor('apps/v1', 'StatefulSet'), name, ns);
      out.set(id, workloadState(id, obj as WorkloadObject | undefined));
    }
    return out;
  }

  /** On deletion: remove cluster-scoped children (which garbage collection cannot reach), then the finalizer. */
  private async finalize(raw: K8sObject, log: Logger): Promise<void> {
    const patch = removeFinalizerPatch(raw);
    if (!patch) return;
    await this.children.deleteClusterScoped(raw, log);
    await this.patchInstance(raw, patch);
  }

  private async patchInstance(raw: K8sObject, patch: unknown[] | undefined, fieldManager?: string): Promise<void> {
    if (!patch) return;
    await this.deps.rest.patch(objectPath(INSTANCE_RESOURCE, raw.metadata.name, raw.metadata.namespace), patch, 'json', fieldManager);
  }

  private async writeStatus(raw: K8sObject, status: KelemetryInstanceStatus): Promise<void> {
    if (jsonEqual((raw as { status?: unknown }).status, status)) return;
    await this.deps.rest.apply(
      `${objectPath(INSTANCE_RESOURCE, raw.metadata.name, raw.metadata.namespace)}/status`,
      { apiVersion: API_VERSION, kind: KIND, metadata: { name: raw.metadata.name, namespace: raw.metadata.namespace }, status },
      FIELD_MANAGER,
      true,
    );
  }
}
