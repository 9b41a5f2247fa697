/** Names, labels and options shared by the objects of the operator's own install. */
import type { k8s } from 'cdk8s-plus-33';

export interface OperatorInstallOptions {
  namespace: string;
  /** The one Kelemetry image; the operator runs `kelemetry operator`. */
  image: string;
  replicas?: number;
}

export const OPERATOR_NAME = 'kelemetry-operator';
export const OPERATOR_LABELS = { 'app.kubernetes.io/name': OPERATOR_NAME, 'app.kubernetes.io/part-of': 'kelemetry' };

/** Metadata of an install object; cluster-scoped ones (namespace undefined) have no namespace. */
export function operatorMetadata(name: string, namespace?: string): k8s.ObjectMeta {
  return { name, labels: OPERATOR_LABELS, namespace };
}
