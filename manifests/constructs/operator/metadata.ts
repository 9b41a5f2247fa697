/** Names, labels and options shared by the objects of the operator's own install. */
import type { k8s } from 'cdk8s-plus-33';

export interface OperatorInstallOptions {
  namespace: string;
  /** The one Kelemetry image; the operator runs `kelemetry operator`. */
  image: string;
  replicas?: number;
  /**
   * Namespaces whose KelemetryInstances the operator reconciles, and where it gets the namespaced rights
   * (Secrets, pods/proxy, writes of workloads). Default: only its own namespace; `['*']`: every namespace.
   */
  watchNamespaces?: string[];
}

export const OPERATOR_NAME = 'kelemetry-operator';
export const DEFAULT_OPERATOR_NAMESPACE = 'kelemetry-system';
/** The published image of this release (built from the repository's Dockerfile). */
export const DEFAULT_OPERATOR_IMAGE = 'ghcr.io/kelemetry/kelemetry:0.1.0';
/** The ClusterRole of what the operator does inside a watched namespace, bound there by a RoleBinding. */
export const OPERATOR_NAMESPACED_ROLE = `${OPERATOR_NAME}-namespaced`;
export const OPERATOR_LABELS = { 'app.kubernetes.io/name': OPERATOR_NAME, 'app.kubernetes.io/part-of': 'kelemetry' };
/** `--watch-namespaces` value for every namespace. */
export const ALL_NAMESPACES = '*';

/** The namespaces the operator watches: its own by default. */
export function watchNamespaces(opts: OperatorInstallOptions): string[] {
  return opts.watchNamespaces?.length ? opts.watchNamespaces : [opts.namespace];
}

/** Metadata of an install object; cluster-scoped ones (namespace undefined) have no namespace. */
export function operatorMetadata(name: string, namespace?: string): k8s.ObjectMeta {
  return { name, labels: OPERATOR_LABELS, namespace };
}
