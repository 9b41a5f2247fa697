/**
 * The fixed ClusterRoles every instance binds (manifests/constructs/rbac.ts). They are shipped with the
 * install, not rendered per instance: the operator may `bind` exactly these names, never create roles.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { INSTANCE_CLUSTER_ROLE, READER_CLUSTER_ROLE } from '../../naming.ts';
import { operatorMetadata } from './metadata.ts';

const READ = ['get', 'list', 'watch'];
const READ_WRITE = [...READ, 'create', 'update', 'patch'];

/**
 * Every core (v1) resource but Secrets: RBAC has no "all except", so they are listed. Subresources
 * (pods/proxy, pods/exec, services/proxy, nodes/proxy …) are not granted by naming their resource.
 */
export const CORE_READABLE = [
  'componentstatuses',
  'configmaps',
  'endpoints',
  'events',
  'limitranges',
  'namespaces',
  'nodes',
  'persistentvolumeclaims',
  'persistentvolumes',
  'pods',
  'podtemplates',
  'replicationcontrollers',
  'resourcequotas',
  'serviceaccounts',
  'services',
];

/**
 * Read access for the informers (diff and event controllers) and the consumer: every built-in kind they
 * trace. Groups are listed because `apiGroups: ['*']` would include the core group, Secrets with it. The
 * reader role aggregates this one and every ClusterRole labelled READER_AGGREGATION_LABEL, which is how
 * a cluster admin lets Kelemetry trace custom resources (e.g. `apiGroups: [example.com], resources: ['*']`).
 */
export const READER_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: CORE_READABLE, verbs: READ },
  {
    apiGroups: [
      'admissionregistration.k8s.io',
      'apiextensions.k8s.io',
      'apiregistration.k8s.io',
      'apps',
      'autoscaling',
      'batch',
      'certificates.k8s.io',
      'coordination.k8s.io',
      'discovery.k8s.io',
      'events.k8s.io',
      'flowcontrol.apiserver.k8s.io',
      'kelemetry.io',
      'networking.k8s.io',
      'node.k8s.io',
      'policy',
      'rbac.authorization.k8s.io',
      'resource.k8s.io',
      'scheduling.k8s.io',
      'storage.k8s.io',
      'storagemigration.k8s.io',
    ],
    resources: ['*'],
    verbs: READ,
  },
];

/** What the informers write in their own namespace: leader-election leases, the event controller's state, Events. */
export const INSTANCE_RULES: k8s.PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: READ_WRITE },
  { apiGroups: [''], resources: ['configmaps'], verbs: READ_WRITE },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

export const READER_AGGREGATION_LABEL = 'kelemetry.io/aggregate-to-reader';
const BUILTIN_READER = `${READER_CLUSTER_ROLE}-builtin`;

export class SharedRoles extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const aggregated = { matchLabels: { [READER_AGGREGATION_LABEL]: 'true' } };
    // Its rules are filled in by kube-controller-manager's aggregation controller.
    new k8s.KubeClusterRole(this, 'reader', { metadata: operatorMetadata(READER_CLUSTER_ROLE), aggregationRule: { clusterRoleSelectors: [aggregated] } });
    const builtin = operatorMetadata(BUILTIN_READER);
    new k8s.KubeClusterRole(this, 'reader-builtin', { metadata: { ...builtin, labels: { ...builtin.labels, ...aggregated.matchLabels } }, rules: READER_RULES });
    new k8s.KubeClusterRole(this, 'instance', { metadata: operatorMetadata(INSTANCE_CLUSTER_ROLE), rules: INSTANCE_RULES });
  }
}
