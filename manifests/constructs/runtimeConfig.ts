/** The ConfigMap of runtime config documents, one per role (consumer.yaml, informers.yaml, frontend.yaml). */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { ROLES, renderRuntimeConfig, type Role } from '../runtimeConfig.ts';
import type { InstanceContext } from './context.ts';

export class RuntimeConfig extends Construct {
  /** One runtime config document (YAML) per role, as put in the ConfigMap. */
  readonly configs: Record<Role, string>;

  constructor(scope: Construct, id: string, ctx: InstanceContext) {
    super(scope, id);
    this.configs = Object.fromEntries(ROLES.map((role) => [role, stringify(renderRuntimeConfig(ctx.inst, role, ctx.version(role)), { lineWidth: 0 })])) as Record<Role, string>;
    new k8s.KubeConfigMap(this, 'configmap', {
      metadata: ctx.metadata('config', 'config'),
      data: Object.fromEntries(ROLES.map((role) => [`${role}.yaml`, this.configs[role]])),
    });
  }
}
