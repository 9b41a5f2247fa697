/**
 * Names and labels of everything rendered from one KelemetryInstance. Names are stable (no hashes):
 * selectors are immutable and people grep for them. Children never carry `app.kubernetes.io/instance`,
 * which Argo CD may use as its tracking label (anchors A.6); ours is `kelemetry.io/instance`.
 */
export const FIELD_MANAGER = 'kelemetry-operator';
export const MANAGED_BY = 'kelemetry-operator';
export const INSTANCE_LABEL = 'kelemetry.io/instance';
/** Namespace of the owning instance, on cluster-scoped children (which cannot have an owner reference). */
export const INSTANCE_NAMESPACE_LABEL = 'kelemetry.io/instance-namespace';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const VERSION_LABEL = 'app.kubernetes.io/version';
/** Hash of the rendered object; the operator skips applying an object whose live copy carries the same hash. */
export const APPLIED_HASH_ANNOTATION = 'kelemetry.io/applied-hash';
export const CONFIG_HASH_ANNOTATION = 'kelemetry.io/config-hash';
/** Finalizer that removes cluster-scoped children (the readers' ClusterRoleBinding) when an instance is deleted. */
export const FINALIZER = 'kelemetry.io/cluster-resources';

/** Components in rollout order groups (spec: stores first, then informers and consumers, then the frontend). */
export const COMPONENTS = ['etcd', 'jaeger-storage', 'jaeger-collector', 'informers', 'consumer', 'frontend'] as const;
export type ComponentId = (typeof COMPONENTS)[number];
export const ROLLOUT_GROUPS: { phase: 'Stores' | 'Workers' | 'Frontend'; components: ComponentId[] }[] = [
  { phase: 'Stores', components: ['etcd', 'jaeger-storage', 'jaeger-collector'] },
  { phase: 'Workers', components: ['informers', 'consumer'] },
  { phase: 'Frontend', components: ['frontend'] },
];

export interface InstanceRef {
  name: string;
  namespace: string;
}

export function objectName(inst: InstanceRef, suffix: string): string {
  return `${inst.name}-${suffix}`;
}

/** Cluster-scoped names include the namespace, so two instances of the same name never collide. */
export function clusterObjectName(inst: InstanceRef, suffix: string): string {
  return `kelemetry-${inst.namespace}-${inst.name}-${suffix}`;
}

/** Labels used in selectors: never change them, a Deployment's selector is immutable. */
export function selectorLabels(inst: InstanceRef, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'kelemetry', [INSTANCE_LABEL]: inst.name, [COMPONENT_LABEL]: component };
}

export function commonLabels(inst: InstanceRef, component: string): Record<string, string> {
  return {
    ...selectorLabels(inst, component),
    'app.kubernetes.io/part-of': 'kelemetry',
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}


/**
 * Fixed ClusterRoles shipped with the operator's install. Instances only bind them (the operator may
 * `bind` these names and no other), so no instance can grant its pods more than they hold.
 */
export const READER_CLUSTER_ROLE = 'kelemetry-reader';
/** Leases, the event controller's state ConfigMap and Events, bound in the instance namespace only. */
export const INSTANCE_CLUSTER_ROLE = 'kelemetry-instance';
