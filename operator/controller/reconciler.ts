/**
 * Reconcile of one KelemetryInstance: read it from the cache → finalizer / deletion → check references
 * → plan the rollout from live workloads → render (manifests/) → server-side apply what changed or
 * drifted → prune children no longer rendered → compute status → write /status only if it changed.
 * Never writes spec; the only metadata it writes is its finalizer.
 */
import { renderInstance } from '../../manifests/instance.ts';
import { FIELD_MANAGER, FINALIZER, INSTANCE_LABEL, INSTANCE_NAMESPACE_LABEL, MANAGED_BY, type ComponentId } from '../../manifests/naming.ts';
import { PORTS } from '../../manifests/ports.ts';
import { serviceHost } from '../../manifests/runtimeConfig.ts';
import { AUDIT_FLOWING } from '../../runtime/diagnose/auditFlowing.ts';
import type { Logger } from '../../runtime/util/log.ts';
import { API_VERSION, KIND, SpecError, parseInstance, type KelemetryInstance, type KelemetryInstanceStatus } from '../../api/types.ts';
import { isNotFound, type KubeClient } from '../kube/client.ts';
import { INSTANCE_RESOURCE, OWNED_RESOURCES, objectPath, resourceFor, type ResourceType } from '../kube/resources.ts';
import { needsApply, withAppliedHash, type K8sObject } from './apply.ts';
import { asAuditFlowing, type AuditFlowingSource } from './auditFlowing.ts';
import type { Informer } from './informer.ts';
import { checkExternalStores, checkReferences } from './references.ts';
import { planRollout } from './rollout.ts';
import { computeStatus, jsonEqual, workloadState, type Problem, type WorkloadObject, type WorkloadState } from './status.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** An error retrying cannot fix (e.g. an invalid spec that slipped past the CRD): not requeued. */
export class TerminalError extends Error {}

export interface ReconcilerDeps {
  client: KubeClient;
  instances: Informer<K8sObject>;
  owned: Map<string, Informer<K8sObject>>;
  logger: Logger;
  /** TCP-probe external stores and report them in status (default true). */
  probeStores?: boolean;
  /** The AuditFlowing diagnosis; without it the condition is not reported. */
  auditFlowing?: AuditFlowingSource;
  now?: () => Date;
}

/** How often an instance with an unresolved reference or unreachable store is looked at again (Secrets are not watched). */
const RECHECK_MS = 15_000;

export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  private ownedInformer(r: ResourceType): Informer<K8sObject> {
    const inf = this.deps.owned.get(r.kind);
    if (!inf) throw new Error(`no informer for ${r.kind}`);
    return inf;
  }

  private live(r: ResourceType, name: string, namespace: string): K8sObject | undefined {
    return this.ownedInformer(r).get(r.namespaced ? namespace : '', name);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const raw = this.deps.instances.get(namespace, name);
    if (!raw) {
      this.deps.auditFlowing?.forget(key);
      return {};
    }
    const log = this.deps.logger.child({ instance: key });
    if (raw.metadata.deletionTimestamp) {
      this.deps.auditFlowing?.forget(key);
      await this.finalize(raw, log);
      return {};
    }
    let inst: KelemetryInstance;
    try {
      inst = parseInstance(raw, key);
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      await this.writeInvalidSpecStatus(raw, err);
      throw new TerminalError(err.message);
    }
    if (inst.spec.managementState === 'Managed') await this.ensureFinalizer(raw);

    const problems: Problem[] = await checkReferences(this.deps.client, inst);
    if (this.deps.probeStores ?? true) problems.push(...(await checkExternalStores(inst)));
    const invalidRefs = problems.some((p) => p.reason === 'InvalidReference');

    const componentIds = renderInstance(inst).components.map((c) => c.id);
    const live = this.liveWorkloads(inst, componentIds);
    const plan = planRollout(inst.spec.version, componentIds, [...live.values()].filter((w) => w.exists));
    const rendered = renderInstance(inst, { versions: plan.versions });

    // With a broken reference the new pods could not start: keep what runs, report, and look again later.
    if (inst.spec.managementState === 'Managed' && !invalidRefs) {
      const desiredKeys = new Set<string>();
      for (const obj of rendered.objects as K8sObject[]) {
        desiredKeys.add(`${obj.kind}/${obj.metadata.name}`);
        try {
          await this.applyIfNeeded(withAppliedHash(obj), namespace, log);
        } catch (err) {
          problems.push({ reason: 'ApplyFailed', message: `${obj.kind} ${obj.metadata.name}: ${(err as Error).message}` });
        }
      }
      problems.push(...(await this.prune(inst, desiredKeys, log)));
    }

    const auditWebhook = this.auditWebhook(inst);
    const status = computeStatus({
      instance: inst,
      components: rendered.components,
      live: this.liveWorkloads(inst, componentIds),
      plan,
      problems,
      auditWebhook,
      auditFlowing: this.auditFlowing(key, inst, auditWebhook),
      now: this.deps.now?.() ?? new Date(),
    });
    await this.writeStatus(raw, status);
    if (problems.some((p) => p.reason === 'ApplyFailed' || p.reason === 'PruneFailed')) {
      throw new Error(problems.map((p) => p.message).join('; '));
    }
    return problems.length ? { requeueAfterMs: RECHECK_MS } : {};
  }

  private liveWorkloads(inst: KelemetryInstance, ids: ComponentId[]): Map<ComponentId, WorkloadState> {
    const ns = inst.metadata.namespace ?? 'default';
    const out = new Map<ComponentId, WorkloadState>();
    for (const id of ids) {
      const name = `${inst.metadata.name}-${id}`;
      const obj = this.live(resourceFor('apps/v1', 'Deployment'), name, ns) ?? this.live(resourceFor('apps/v1', 'StatefulSet'), name, ns);
      out.set(id, workloadState(id, obj as WorkloadObject | undefined));
    }
    return out;
  }

  /** The last published diagnosis, else the one already in status (kept until the first probe of this process). */
  private auditFlowing(key: string, inst: KelemetryInstance, webhook: KelemetryInstanceStatus['auditWebhook']) {
    const source = this.deps.auditFlowing;
    if (!source) return undefined;
    const current = asAuditFlowing(inst.status?.conditions?.find((c) => c.type === AUDIT_FLOWING));
    source.track(key, { namespace: inst.metadata.namespace ?? 'default', name: inst.metadata.name, auditEndpoint: webhook?.clusters[0]?.url }, current);
    return source.condition(key) ?? current;
  }

  private auditWebhook(inst: KelemetryInstance): KelemetryInstanceStatus['auditWebhook'] {
    const scheme = inst.spec.audit.tls.enabled ? 'https' : 'http';
    const service = `${serviceHost(inst, 'webhook')}:${PORTS.webhook}`;
    return {
      service,
      clusters: inst.spec.clusters.filter((c) => c.audit.enabled).map((c) => ({ name: c.name, url: `${scheme}://${service}/audit/${c.name}` })),
    };
  }

  private async applyIfNeeded(obj: K8sObject, namespace: string, log: Logger): Promise<void> {
    const r = resourceFor(obj.apiVersion, obj.kind);
    const live = this.live(r, obj.metadata.name, namespace);
    const why = needsApply(obj, live);
    if (!why) return;
    log.info('applying', { object: `${obj.kind}/${obj.metadata.name}`, why });
    const path = objectPath(r, obj.metadata.name, obj.metadata.namespace);
    try {
      await this.deps.client.apply(path, obj, FIELD_MANAGER, true);
    } catch (err) {
      // Immutable fields (a StatefulSet's volumeClaimTemplates, a selector) cannot be applied in place:
      // delete without cascading (pods keep running) and create again on the next pass.
      if ((err as { code?: number }).code === 422 && /Forbidden|immutable/i.test((err as Error).message) && live) {
        log.warn('immutable field changed; re-creating', { object: `${obj.kind}/${obj.metadata.name}`, err: err });
        await this.deps.client.delete(path, 'Orphan', live.metadata.uid);
      }
      throw err;
    }
  }

  /** Deletes children labelled for this instance that the current render no longer produces. */
  private async prune(inst: KelemetryInstance, desired: Set<string>, log: Logger): Promise<Problem[]> {
    const ns = inst.metadata.namespace ?? 'default';
    const problems: Problem[] = [];
    for (const r of OWNED_RESOURCES) {
      const stale = this.ownedInformer(r).list((o) => {
        const l = o.metadata.labels ?? {};
        if (l['app.kubernetes.io/managed-by'] !== MANAGED_BY || l[INSTANCE_LABEL] !== inst.metadata.name) return false;
        if (r.namespaced) {
          if (o.metadata.namespace !== ns) return false;
          // Only what this very instance owns: never touch a look-alike.
          if (!o.metadata.ownerReferences?.some((ref) => ref.uid === inst.metadata.uid && ref.controller)) return false;
        } else if (l[INSTANCE_NAMESPACE_LABEL] !== ns) return false;
        return !desired.has(`${r.kind}/${o.metadata.name}`) && !o.metadata.deletionTimestamp;
      });
      for (const o of stale) {
        log.info('pruning', { object: `${r.kind}/${o.metadata.name}` });
        try {
          await this.deps.client.delete(objectPath(r, o.metadata.name, o.metadata.namespace), 'Background', o.metadata.uid);
        } catch (err) {
          if (!isNotFound(err)) problems.push({ reason: 'PruneFailed', message: `${r.kind} ${o.metadata.name}: ${(err as Error).message}` });
        }
      }
    }
    return problems;
  }

  private instancePath(raw: K8sObject): string {
    return objectPath(INSTANCE_RESOURCE, raw.metadata.name, raw.metadata.namespace);
  }

  private async ensureFinalizer(raw: K8sObject): Promise<void> {
    const finalizers = (raw.metadata as { finalizers?: string[] }).finalizers;
    if (finalizers?.includes(FINALIZER)) return;
    // JSON patch guarded by resourceVersion: never clobbers a concurrent change of the finalizer list.
    const ops = [
      { op: 'test', path: '/metadata/resourceVersion', value: raw.metadata.resourceVersion },
      finalizers ? { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER } : { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
    ];
    await this.deps.client.jsonPatch(this.instancePath(raw), ops, FIELD_MANAGER);
  }

  /** On deletion: remove cluster-scoped children (which garbage collection cannot reach), then the finalizer. */
  private async finalize(raw: K8sObject, log: Logger): Promise<void> {
    const finalizers = (raw.metadata as { finalizers?: string[] }).finalizers ?? [];
    const index = finalizers.indexOf(FINALIZER);
    if (index < 0) return;
    const ns = raw.metadata.namespace ?? 'default';
    for (const r of OWNED_RESOURCES.filter((t) => !t.namespaced)) {
      for (const o of this.ownedInformer(r).list((o) => o.metadata.labels?.[INSTANCE_LABEL] === raw.metadata.name && o.metadata.labels?.[INSTANCE_NAMESPACE_LABEL] === ns)) {
        log.info('deleting cluster-scoped child', { object: `${r.kind}/${o.metadata.name}` });
        await this.deps.client.delete(objectPath(r, o.metadata.name), 'Background').catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
      }
    }
    await this.deps.client.jsonPatch(this.instancePath(raw), [
      { op: 'test', path: `/metadata/finalizers/${index}`, value: FINALIZER },
      { op: 'remove', path: `/metadata/finalizers/${index}` },
    ]);
  }

  private async writeStatus(raw: K8sObject, status: KelemetryInstanceStatus): Promise<void> {
    if (jsonEqual((raw as { status?: unknown }).status, status)) return;
    await this.deps.client.apply(
      `${this.instancePath(raw)}/status`,
      { apiVersion: API_VERSION, kind: KIND, metadata: { name: raw.metadata.name, namespace: raw.metadata.namespace }, status },
      FIELD_MANAGER,
      true,
    );
  }

  private async writeInvalidSpecStatus(raw: K8sObject, err: SpecError): Promise<void> {
    const gen = (raw.metadata as { generation?: number }).generation;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const prev = ((raw as { status?: KelemetryInstanceStatus }).status ?? {}) as KelemetryInstanceStatus;
    const message = err.issues.join('; ');
    const keep = (type: string, status: 'True' | 'False') => prev.conditions?.find((c) => c.type === type && c.status === status)?.lastTransitionTime ?? now;
    const status: KelemetryInstanceStatus = {
      ...prev,
      ...(gen !== undefined ? { observedGeneration: gen } : {}),
      conditions: [
        { type: 'Ready', status: 'False', reason: 'InvalidSpec', message, lastTransitionTime: keep('Ready', 'False'), ...(gen !== undefined ? { observedGeneration: gen } : {}) },
        { type: 'Degraded', status: 'True', reason: 'InvalidSpec', message, lastTransitionTime: keep('Degraded', 'True'), ...(gen !== undefined ? { observedGeneration: gen } : {}) },
        // The pods may still run: the last diagnosis stays until the spec is fixed.
        ...(prev.conditions ?? []).filter((c) => c.type === AUDIT_FLOWING),
      ],
    };
    await this.writeStatus(raw, status);
  }
}
