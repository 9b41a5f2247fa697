/**
 * The operator's service account and RBAC: cluster-wide rights over instances and every kind it
 * renders, and a namespaced Role for its leader-election lease.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { GROUP, PLURAL } from '../../../api/types.ts';
import { OPERATOR_NAME, operatorMetadata, type OperatorInstallOptions } from './metadata.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const MANAGE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const LEADER_ELECTION = `${OPERATOR_NAME}-leader-election`;

const CLUSTER_RULES: k8s.PolicyRule[] = [
  { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  { apiGroups: [GROUP], resources: [`${PLURAL}/status`, `${PLURAL}/finalizers`], verbs: ['get', 'update', 'patch'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: MANAGE },
  { apiGroups: [''], resources: ['services', 'configmaps', 'serviceaccounts'], verbs: MANAGE },
  // Secrets are only read, to report a missing or incomplete reference in status.
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  // The AuditFlowing condition lists an instance's pods and reads their metrics through the pod proxy.
  { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
  { apiGroups: [''], resources: ['pods/proxy'], verbs: ['get'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: MANAGE },
  // The instances' readers get cluster-wide read access; granting it needs escalate and bind.
  { apiGroups: [RBAC_GROUP], resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'], verbs: [...MANAGE, 'escalate', 'bind'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

export class OperatorRbac extends Construct {
  constructor(scope: Construct, id: string, opts: OperatorInstallOptions) {
    super(scope, id);
    const { namespace } = opts;
    const subjects: k8s.Subject[] = [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace }];
    new k8s.KubeServiceAccount(this, 'sa', { metadata: operatorMetadata(OPERATOR_NAME, namespace) });
    new k8s.KubeClusterRole(this, 'clusterrole', { metadata: operatorMetadata(OPERATOR_NAME), rules: CLUSTER_RULES });
    new k8s.KubeClusterRoleBinding(this, 'clusterrolebinding', {
      metadata: operatorMetadata(OPERATOR_NAME),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: OPERATOR_NAME },
      subjects,
    });
    new k8s.KubeRole(this, 'role', {
      metadata: operatorMetadata(LEADER_ELECTION, namespace),
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }],
    });
    new k8s.KubeRoleBinding(this, 'rolebinding', {
      metadata: operatorMetadata(LEADER_ELECTION, namespace),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: LEADER_ELECTION },
      subjects,
    });
  }
}
