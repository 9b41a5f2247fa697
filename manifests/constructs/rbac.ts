/**
 * Service accounts and RBAC of one instance. Consumers and informers read any kind (objects of every
 * kind are traced): read-only, cluster-wide. Writes are limited to the instance namespace: leases for
 * leader election, one ConfigMap of state, and Events.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import type { InstanceContext } from './context.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];
const READ_WRITE = [...READ, 'create', 'update', 'patch'];

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
    new k8s.KubeClusterRole(this, 'reader', { metadata: ctx.clusterMetadata('reader', 'rbac'), rules: [{ apiGroups: ['*'], resources: ['*'], verbs: READ }] });
    new k8s.KubeClusterRoleBinding(this, 'reader-binding', {
      metadata: ctx.clusterMetadata('reader', 'rbac'),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: ctx.clusterName('reader') },
      subjects: [subject('consumer'), subject('informers')],
    });
    new k8s.KubeRole(this, 'informers', {
      metadata: ctx.metadata('informers', 'informers'),
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: READ_WRITE },
        { apiGroups: [''], resources: ['configmaps'], verbs: READ_WRITE },
        { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'informers-binding', {
      metadata: ctx.metadata('informers', 'informers'),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: ctx.name('informers') },
      subjects: [subject('informers')],
    });
  }
}
