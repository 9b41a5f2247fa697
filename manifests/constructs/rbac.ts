/**
 * Service accounts and RBAC of one instance. Consumers and informers read objects of every kind (they
 * are traced) through a ClusterRoleBinding to the install's fixed reader ClusterRole, which leaves out
 * Secrets and pods/proxy. Their writes (leases, the event controller's state ConfigMap, Events) come
 * from the fixed instance ClusterRole bound in the instance namespace only. The operator renders no
 * roles of its own: it may only bind these two, so an instance never grants more than they hold.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { INSTANCE_CLUSTER_ROLE, READER_CLUSTER_ROLE } from '../naming.ts';
import type { InstanceContext } from './context.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Service accounts, and whether their token is mounted (only the pods that call the apiserver get one). */
const SERVICE_ACCOUNTS: [name: string, automount: boolean][] = [
  ['consumer', true],
  ['informers', true],
  ['frontend', false],
  ['store', false],
];

export class Rbac extends Construct {
  constructor(scope: Construct, id: string, ctx: InstanceContext) {
    super(scope, id);
    for (const [name, automount] of SERVICE_ACCOUNTS) {
      new k8s.KubeServiceAccount(this, `sa-${name}`, { metadata: ctx.metadata(name, name), automountServiceAccountToken: automount });
    }
    const subject = (sa: string): k8s.Subject => ({ kind: 'ServiceAccount', name: ctx.name(sa), namespace: ctx.ref.namespace });
    new k8s.KubeClusterRoleBinding(this, 'reader-binding', {
      metadata: ctx.clusterMetadata('reader', 'rbac'),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: READER_CLUSTER_ROLE },
      subjects: [subject('consumer'), subject('informers')],
    });
    new k8s.KubeRoleBinding(this, 'informers-binding', {
      metadata: ctx.metadata('informers', 'informers'),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: INSTANCE_CLUSTER_ROLE },
      subjects: [subject('informers')],
    });
  }
}
