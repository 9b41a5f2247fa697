/**
 * What every construct of one instance shares: the spec, the names derived from it, the version each
 * component is rendered at, and the owner reference of namespaced children. Plain data, not a construct.
 */
import type { k8s } from 'cdk8s-plus-33';
import { API_VERSION, KIND, type KelemetryInstance } from '../../api/types.ts';
import { INSTANCE_NAMESPACE_LABEL, clusterObjectName, commonLabels, objectName, type ComponentId, type InstanceRef } from '../naming.ts';

export class InstanceContext {
  readonly ref: InstanceRef;

  constructor(
    readonly inst: KelemetryInstance,
    /** Versions the rollout planner holds back; every other component is at spec.version. */
    private readonly versions: Partial<Record<ComponentId, string>> = {},
  ) {
    this.ref = { name: inst.metadata.name, namespace: inst.metadata.namespace ?? 'default' };
  }

  version(id: ComponentId): string {
    return this.versions[id] ?? this.inst.spec.version;
  }

  /** The name of a namespaced child: `<instance>-<suffix>`. */
  name(suffix: string): string {
    return objectName(this.ref, suffix);
  }

  /** Cluster-scoped names include the namespace, so two instances of the same name never collide. */
  clusterName(suffix: string): string {
    return clusterObjectName(this.ref, suffix);
  }

  /** A namespaced child, owned by the instance (when it has a uid, i.e. it came from the apiserver). */
  metadata(suffix: string, component: string, extraLabels: Record<string, string> = {}): k8s.ObjectMeta {
    return {
      name: this.name(suffix),
      namespace: this.ref.namespace,
      labels: { ...commonLabels(this.ref, component), ...extraLabels },
      ownerReferences: this.ownerReferences(),
    };
  }

  /** A cluster-scoped child: no owner reference is possible, the finalizer removes it. */
  clusterMetadata(suffix: string, component: string): k8s.ObjectMeta {
    return {
      name: this.clusterName(suffix),
      labels: { ...commonLabels(this.ref, component), [INSTANCE_NAMESPACE_LABEL]: this.ref.namespace },
    };
  }

  private ownerReferences(): k8s.OwnerReference[] | undefined {
    const { uid, name } = this.inst.metadata;
    if (!uid) return undefined;
    return [{ apiVersion: API_VERSION, kind: KIND, name, uid, controller: true, blockOwnerDeletion: true }];
  }
}
