/**
 * What the controller watches, and how events become work-queue keys (`namespace/name` of an instance):
 * - KelemetryInstances: every change but a status-only update (the operator's own status writes would
 *   otherwise re-trigger reconciles, and steady state must stay quiet);
 * - every kind the manifests render, selected by the managed-by label and mapped to their instance
 *   through its labels, which also covers the cluster-scoped children that cannot carry owner
 *   references: an edited or deleted child re-queues its instance, which restores it.
 * Kinds whose CRD may be missing are watched only while served (optionalKinds.ts).
 * Referenced Secrets and ConfigMaps are not watched: the reconciler looks again while one is missing.
 * The informers' caches are what the reconciler reads.
 */
import type { Registry } from 'prom-client';
import { INSTANCE_LABEL, INSTANCE_NAMESPACE_LABEL, MANAGED_BY } from '../../manifests/naming.ts';
import { gvrString } from '../../runtime/k8s/gvr.ts';
import { Informer, type InformerHandler } from '../../runtime/k8s/informer.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import type { Logger } from '../../runtime/util/log.ts';
import { untilAborted, type Runnable } from '../manager.ts';
import type { K8sObject } from './apply.ts';
import { gauge } from '../../runtime/metrics/define.ts';
import { OptionalKinds, type Cache } from './optionalKinds.ts';
import { INSTANCE_RESOURCE, OPTIONAL_RESOURCES, OWNED_RESOURCES, collectionPath, type ResourceType } from './resources.ts';

/** The read side of the watches, as the reconciler uses it. */
export interface InstanceCache {
  instance(namespace: string, name: string): K8sObject | undefined;
  /** The cache of one owned kind (cluster-scoped objects have namespace ""). */
  owned(r: ResourceType): Cache;
  /** False for an optional kind the API server does not serve (or whose cache has not synced yet). */
  available(r: ResourceType): boolean;
}

export interface WatchesOptions {
  rest: KubeRest;
  logger: Logger;
  registry: Registry;
  /** Server-side watch timeout: each watch is replaced at least this often. */
  watchTimeoutSeconds?: number;
  /** How often discovery is asked whether an optional kind is served (default 30 s). */
  optionalKindsIntervalMs?: number;
  enqueue(key: string): void;
}

const MANAGED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

/** The instance a child belongs to, from its labels (namespace label for cluster-scoped children). */
export function instanceKeyOfChild(o: K8sObject): string | undefined {
  const labels = o.metadata.labels ?? {};
  const name = labels[INSTANCE_LABEL];
  const namespace = o.metadata.namespace || labels[INSTANCE_NAMESPACE_LABEL];
  return name && namespace ? `${namespace}/${name}` : undefined;
}

/** True when two versions of an object differ only in status (and resourceVersion/managedFields). */
export function isStatusOnlyUpdate(a: K8sObject, b: K8sObject): boolean {
  const strip = (o: K8sObject) => {
    const { status: _s, ...rest } = o as K8sObject & { status?: unknown };
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = rest.metadata as K8sObject['metadata'] & { managedFields?: unknown };
    return JSON.stringify({ ...rest, metadata: meta });
  };
  return strip(a) === strip(b);
}

export class Watches implements Runnable, InstanceCache {
  readonly name = 'watches';
  private readonly instances: Informer<K8sObject>;
  private readonly ownedByKind = new Map<string, Informer<K8sObject>>();
  private readonly optional: OptionalKinds;

  constructor(private readonly opts: WatchesOptions) {
    this.instances = this.informer(INSTANCE_RESOURCE, undefined, (event, obj, old) => {
      if (event === 'update' && old && isStatusOnlyUpdate(obj, old)) return;
      opts.enqueue(`${obj.metadata.namespace}/${obj.metadata.name}`);
    });
    const onChild: InformerHandler<K8sObject> = (_event, obj) => {
      const key = instanceKeyOfChild(obj);
      if (key) opts.enqueue(key);
    };
    for (const r of OWNED_RESOURCES) this.ownedByKind.set(r.kind, this.informer(r, MANAGED_SELECTOR, onChild));
    this.optional = new OptionalKinds({
      rest: opts.rest,
      kinds: OPTIONAL_RESOURCES,
      newInformer: (r) => this.informer(r, MANAGED_SELECTOR, onChild),
      // Instances that asked for the kind reported it missing: reconcile them all now.
      onAvailable: () => {
        for (const i of this.instances.list()) opts.enqueue(`${i.metadata.namespace}/${i.metadata.name}`);
      },
      logger: opts.logger,
      served: gauge(opts.registry, 'kelemetry_operator_optional_kind_served', '1 while an optional owned kind (e.g. ServiceMonitor) is served and watched', ['kind']),
      intervalMs: opts.optionalKindsIntervalMs,
    });
  }

  private informer(r: ResourceType, labelSelector: string | undefined, handler: InformerHandler<K8sObject>): Informer<K8sObject> {
    const { rest, logger, registry, watchTimeoutSeconds } = this.opts;
    return new Informer<K8sObject>({ rest, path: collectionPath(r), name: gvrString(r), component: 'operator', logger, registry, labelSelector, watchTimeoutSeconds }, handler);
  }

  private all(): Informer<K8sObject>[] {
    return [this.instances, ...this.ownedByKind.values()];
  }

  async run(signal: AbortSignal): Promise<void> {
    for (const i of this.all()) i.start();
    await Promise.all([untilAborted(signal), this.optional.run(signal)]);
    await Promise.all(this.all().map((i) => i.stop()));
  }

  hasSynced(): boolean {
    return this.all().every((i) => i.hasSynced());
  }

  /** Resolves true once every informer synced, false when `signal` aborts (or they stop) first. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    // One abort listener for all of them (not one per informer on the same signal).
    await Promise.race([Promise.all(this.all().map((i) => i.waitForSync())), untilAborted(signal)]);
    return this.hasSynced();
  }

  instance(namespace: string, name: string): K8sObject | undefined {
    return this.instances.get(namespace, name);
  }

  owned(r: ResourceType): Cache {
    if (OPTIONAL_RESOURCES.includes(r)) return this.optional.cache(r);
    const informer = this.ownedByKind.get(r.kind);
    if (!informer) throw new Error(`no informer for ${r.kind}`);
    return informer;
  }

  available(r: ResourceType): boolean {
    return OPTIONAL_RESOURCES.includes(r) ? this.optional.available(r) : this.ownedByKind.has(r.kind);
  }
}
