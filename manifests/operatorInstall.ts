/**
 * The operator's own install as a cdk8s chart: CRD, service account, RBAC and Deployment, rendered
 * the same way as an instance, so `kelemetry synth --operator` and `cdk8s synth` print it.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-33';
import type { Construct } from 'constructs';
import { buildCrd } from '../api/crd.ts';
import { OperatorDeployment } from './constructs/operator/deployment.ts';
import { OPERATOR_NAME, type OperatorInstallOptions } from './constructs/operator/metadata.ts';
import { OperatorRbac } from './constructs/operator/rbac.ts';

export type { OperatorInstallOptions } from './constructs/operator/metadata.ts';

export class OperatorInstallChart extends Chart {
  constructor(scope: Construct, id: string, opts: OperatorInstallOptions) {
    super(scope, id, { disableResourceNameHashes: true });
    // An untyped ApiObject: k8s.KubeCustomResourceDefinition's serialiser drops the schema's
    // `x-kubernetes-*` keys (it expects them camel-cased, as xKubernetes*).
    new ApiObject(this, 'crd', { ...buildCrd(), ...k8s.KubeCustomResourceDefinition.GVK });
    new OperatorRbac(this, 'rbac', opts);
    new OperatorDeployment(this, 'operator', opts);
  }
}

export function renderOperatorInstall(opts: OperatorInstallOptions): Record<string, unknown>[] {
  return new OperatorInstallChart(new App(), OPERATOR_NAME, opts).toJson();
}
