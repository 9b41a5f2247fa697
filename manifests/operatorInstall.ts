/**
 * The operator's own install as a cdk8s chart: Namespace (first, so `kubectl apply -f` creates it
 * before what lives in it), CRD, the fixed ClusterRoles instances bind, the admission policy that
 * checks who writes an instance may grant them, service account, RBAC,
 * Deployment and PodDisruptionBudget, rendered the same way as an instance, so `kelemetry synth
 * --operator`, `cdk8s synth` and deploy/install.yaml print it.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import type { Construct } from 'constructs';
import { buildCrd } from '../api/crd.ts';
import { InstanceAdmissionPolicy } from './constructs/operator/admissionPolicy.ts';
import { OperatorDeployment } from './constructs/operator/deployment.ts';
import { OPERATOR_NAME, operatorMetadata, type OperatorInstallOptions } from './constructs/operator/metadata.ts';
import { OperatorRbac } from './constructs/operator/rbac.ts';
import { SharedRoles } from './constructs/operator/sharedRoles.ts';

/** Pod Security admission enforcing the `restricted` profile. */
export const RESTRICTED_LABELS = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };

export type { OperatorInstallOptions } from './constructs/operator/metadata.ts';
export { DEFAULT_OPERATOR_IMAGE, DEFAULT_OPERATOR_NAMESPACE } from './constructs/operator/metadata.ts';

export class OperatorInstallChart extends Chart {
  constructor(scope: Construct, id: string, opts: OperatorInstallOptions) {
    super(scope, id, { disableResourceNameHashes: true });
    // Pod Security `restricted`: every pod the install and its instances render passes it.
    const namespace = operatorMetadata(opts.namespace);
    new k8s.KubeNamespace(this, 'namespace', { metadata: { ...namespace, labels: { ...namespace.labels, ...RESTRICTED_LABELS } } });
    // An untyped ApiObject: k8s.KubeCustomResourceDefinition's serialiser drops the schema's
    // `x-kubernetes-*` keys (it expects them camel-cased, as xKubernetes*).
    new ApiObject(this, 'crd', { ...buildCrd(), ...k8s.KubeCustomResourceDefinition.GVK });
    new SharedRoles(this, 'roles');
    // Who writes an instance must hold what it grants; enforced by the apiserver.
    new InstanceAdmissionPolicy(this, 'admission');
    new OperatorRbac(this, 'rbac', opts);
    new OperatorDeployment(this, 'operator', opts);
  }
}

export function renderOperatorInstall(opts: OperatorInstallOptions): Record<string, unknown>[] {
  return new OperatorInstallChart(new App(), OPERATOR_NAME, opts).toJson();
}
