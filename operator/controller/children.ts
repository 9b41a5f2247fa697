/**
 * Writes to an instance's children: server-side apply of what changed or drifted (apply.ts decides
 * from the cached live object), pruning of children the current render no longer produces, and, when
 * the instance is deleted, deletion of the cluster-scoped children that garbage collection cannot reach.
 */
import type { KelemetryInstance } from '../../api/types.ts';
import { FIELD_MANAGER, INSTANCE_LABEL, INSTANCE_NAMESPACE_LABEL, MANAGED_BY } from '../../manifests/naming.ts';
import { isInvalid, isNotFound } from '../../runtime/k8s/errors.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import type { Logger } from '../../runtime/util/log.ts';
import { needsApply, withAppliedHash, type K8sObject } from './apply.ts';
import type { EventSpec } from './events.ts';
import { ALL_OWNED_RESOURCES, OWNED_RESOURCES, objectPath, resourceFor, type ResourceType } from './resources.ts';
import type { Problem } from './status.ts';
import type { InstanceCache } from './watches.ts';

/** True for a child of `inst` (by labels, and for namespaced kinds by controller owner reference) that `desired` no longer lists. */
export function isStaleChild(o: K8sObject, r: ResourceType, inst: KelemetryInstance, desired: Set<string>): boolean {
  const ns = inst.metadata.namespace ?? 'default';
  const l = o.metadata.labels ?? {};
  if (l['app.kubernetes.io/managed-by'] !== MANAGED_BY || l[INSTANCE_LABEL] !== inst.metadata.name) return false;
  if (r.namespaced) {
    if (o.metadata.namespace !== ns) return false;
    // Only what this very instance owns: never touch a look-alike.
    if (!o.metadata.ownerReferences?.some((ref) => ref.uid === inst.metadata.uid && ref.controller)) return false;
  } else if (l[INSTANCE_NAMESPACE_LABEL] !== ns) return false;
  return !desired.has(`${r.kind}/${o.metadata.name}`) && !o.metadata.deletionTimestamp;
}

export class Children {
  constructor(
    private readonly rest: KubeRest,
    private readonly cache: InstanceCache,
  ) {}

  live(r: ResourceType, name: string, namespace: string): K8sObject | undefined {
    return this.cache.owned(r).get(r.namespaced ? namespace : '', name);
  }

  /** Splits rendered objects into those the API server serves and those of optional kinds it does not (yet). */
  servedOnly(objects: K8sObject[]): { served: K8sObject[]; notServed: K8sObject[] } {
    const served: K8sObject[] = [];
    const notServed: K8sObject[] = [];
    for (const o of objects) (this.cache.available(resourceFor(o.apiVersion, o.kind)) ? served : notServed).push(o);
    return { served, notServed };
  }

  /**
   * Applies every rendered object that needs it (a failure is a problem; the others still apply), then
   * prunes; `notify` hears of each pruned child (an Event).
   */
  async converge(inst: KelemetryInstance, objects: K8sObject[], log: Logger, notify: (e: EventSpec) => void = () => {}): Promise<Problem[]> {
    const namespace = inst.metadata.namespace ?? 'default';
    const desired = new Set<string>();
    const problems: Problem[] = [];
    for (const obj of objects) {
      desired.add(`${obj.kind}/${obj.metadata.name}`);
      try {
        await this.applyIfNeeded(withAppliedHash(obj), namespace, log);
      } catch (err) {
        problems.push({ reason: 'ApplyFailed', message: `${obj.kind} ${obj.metadata.name}: ${(err as Error).message}` });
      }
    }
    problems.push(...(await this.prune(inst, desired, log, notify)));
    return problems;
  }

  private async applyIfNeeded(obj: K8sObject, namespace: string, log: Logger): Promise<void> {
    const r = resourceFor(obj.apiVersion, obj.kind);
    const live = this.live(r, obj.metadata.name, namespace);
    const why = needsApply(obj, live);
    if (!why) return;
    log.info('applying', { object: `${obj.kind}/${obj.metadata.name}`, why });
    const path = objectPath(r, obj.metadata.name, obj.metadata.namespace);
    try {
      await this.rest.apply(path, obj, FIELD_MANAGER, true);
    } catch (err) {
      // Immutable fields (a StatefulSet's volumeClaimTemplates, a selector) cannot be applied in place:
      // delete without cascading (pods keep running) and create again on the next pass.
      if (isInvalid(err) && /Forbidden|immutable/i.test((err as Error).message) && live) {
        log.warn('immutable field changed; re-creating', { object: `${obj.kind}/${obj.metadata.name}`, err });
        await this.rest.delete(path, { propagationPolicy: 'Orphan', preconditionUid: live.metadata.uid });
      }
      throw err;
    }
  }

  /** Deletes children labelled for this instance that the current render no longer produces. */
  private async prune(inst: KelemetryInstance, desired: Set<string>, log: Logger, notify: (e: EventSpec) => void): Promise<Problem[]> {
    const problems: Problem[] = [];
    // An optional kind that is not served has an empty cache: nothing of it is pruned.
    for (const r of ALL_OWNED_RESOURCES) {
      for (const o of this.cache.owned(r).list((o) => isStaleChild(o, r, inst, desired))) {
        log.info('pruning', { object: `${r.kind}/${o.metadata.name}` });
        try {
          await this.rest.delete(objectPath(r, o.metadata.name, o.metadata.namespace), { preconditionUid: o.metadata.uid });
          notify({ type: 'Normal', reason: 'Pruned', message: `deleted ${r.kind} ${o.metadata.name}, which the spec no longer renders` });
        } catch (err) {
          if (!isNotFound(err)) problems.push({ reason: 'PruneFailed', message: `${r.kind} ${o.metadata.name}: ${(err as Error).message}` });
        }
      }
    }
    return problems;
  }

  /** On deletion of the instance: its cluster-scoped children (namespaced ones go by garbage collection). */
  async deleteClusterScoped(instance: K8sObject, log: Logger): Promise<void> {
    const ns = instance.metadata.namespace ?? 'default';
    const mine = (o: K8sObject) => o.metadata.labels?.[INSTANCE_LABEL] === instance.metadata.name && o.metadata.labels?.[INSTANCE_NAMESPACE_LABEL] === ns;
    for (const r of OWNED_RESOURCES.filter((t) => !t.namespaced)) {
      for (const o of this.cache.owned(r).list(mine)) {
        log.info('deleting cluster-scoped child', { object: `${r.kind}/${o.metadata.name}` });
        await this.rest.delete(objectPath(r, o.metadata.name)).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
      }
    }
  }
}
