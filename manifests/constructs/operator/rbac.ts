/**
 * The operator's service account and RBAC, without escalation: no `escalate`, and `bind` only on the
 * install's fixed ClusterRoles (resourceNames). Cluster-wide it reads instances and the kinds it renders
 * (its informers list them in every namespace) and writes the readers' ClusterRoleBindings. Everything
 * else — writing workloads, reading and creating Secrets, listing pods and reading their metrics
 * through pods/proxy, Events — is the namespaced ClusterRole, bound by a RoleBinding in each watched
 * namespace (by a ClusterRoleBinding only when every namespace is watched).
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { GROUP, PLURAL } from '../../../api/types.ts';
import { INSTANCE_CLUSTER_ROLE, READER_CLUSTER_ROLE } from '../../naming.ts';
import { ALL_NAMESPACES, OPERATOR_NAME, OPERATOR_NAMESPACED_ROLE, operatorMetadata, watchNamespaces, type OperatorInstallOptions } from './metadata.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete'];
const LEADER_ELECTION = `${OPERATOR_NAME}-leader-election`;
const MONITORING_GROUP = 'monitoring.coreos.com';
const MONITORING_RESOURCES = ['servicemonitors', 'podmonitors'];
/** Bind it to whatever scrapes the operator (e.g. Prometheus's service account): /metrics asks the API server. */
export const METRICS_READER_ROLE = 'kelemetry-metrics-reader';

export const CLUSTER_RULES: k8s.PolicyRule[] = [
  { apiGroups: [GROUP], resources: [PLURAL], verbs: [...READ, 'update', 'patch'] },
  { apiGroups: [GROUP], resources: [`${PLURAL}/status`, `${PLURAL}/finalizers`], verbs: ['get', 'update', 'patch'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: READ },
  { apiGroups: [''], resources: ['services', 'configmaps', 'serviceaccounts'], verbs: READ },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ },
  // Watched only while the Prometheus Operator's CRDs are installed.
  { apiGroups: [MONITORING_GROUP], resources: MONITORING_RESOURCES, verbs: READ },
  { apiGroups: [RBAC_GROUP], resources: ['rolebindings'], verbs: READ },
  // Each instance's readers: a ClusterRoleBinding to the fixed reader role, the one role it may bind cluster-wide.
  { apiGroups: [RBAC_GROUP], resources: ['clusterrolebindings'], verbs: [...READ, ...WRITE] },
  { apiGroups: [RBAC_GROUP], resources: ['clusterroles'], verbs: ['bind'], resourceNames: [READER_CLUSTER_ROLE] },
  // Who may read the operator's /metrics (operator/metricsAuth.ts).
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
];

export const NAMESPACED_RULES: k8s.PolicyRule[] = [
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: WRITE },
  { apiGroups: [''], resources: ['services', 'configmaps', 'serviceaccounts'], verbs: WRITE },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: WRITE },
  { apiGroups: [MONITORING_GROUP], resources: MONITORING_RESOURCES, verbs: WRITE },
  { apiGroups: [RBAC_GROUP], resources: ['rolebindings'], verbs: WRITE },
  { apiGroups: [RBAC_GROUP], resources: ['clusterroles'], verbs: ['bind'], resourceNames: [INSTANCE_CLUSTER_ROLE] },
  // References are checked (get) and the audit webhook's token Secret is created; never listed or watched.
  // update: the webhook certificate Secrets are re-issued in place (by name; the operator never lists Secrets).
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update'] },
  // The AuditFlowing condition lists an instance's pods and reads their metrics through the pod proxy.
  { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
  { apiGroups: [''], resources: ['pods/proxy'], verbs: ['get'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

export class OperatorRbac extends Construct {
  constructor(scope: Construct, id: string, opts: OperatorInstallOptions) {
    super(scope, id);
    const { namespace } = opts;
    const subjects: k8s.Subject[] = [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace }];
    const clusterRole = (name: string) => ({ apiGroup: RBAC_GROUP, kind: 'ClusterRole', name });
    new k8s.KubeServiceAccount(this, 'sa', { metadata: operatorMetadata(OPERATOR_NAME, namespace) });
    new k8s.KubeClusterRole(this, 'clusterrole', { metadata: operatorMetadata(OPERATOR_NAME), rules: CLUSTER_RULES });
    new k8s.KubeClusterRoleBinding(this, 'clusterrolebinding', { metadata: operatorMetadata(OPERATOR_NAME), roleRef: clusterRole(OPERATOR_NAME), subjects });
    new k8s.KubeClusterRole(this, 'metrics-reader', { metadata: operatorMetadata(METRICS_READER_ROLE), rules: [{ nonResourceUrLs: ['/metrics'], verbs: ['get'] }] });
    new k8s.KubeClusterRole(this, 'namespaced', { metadata: operatorMetadata(OPERATOR_NAMESPACED_ROLE), rules: NAMESPACED_RULES });
    for (const ns of watchNamespaces(opts)) {
      const roleRef = clusterRole(OPERATOR_NAMESPACED_ROLE);
      if (ns === ALL_NAMESPACES) new k8s.KubeClusterRoleBinding(this, 'namespaced-all', { metadata: operatorMetadata(OPERATOR_NAMESPACED_ROLE), roleRef, subjects });
      else new k8s.KubeRoleBinding(this, `namespaced-${ns}`, { metadata: operatorMetadata(OPERATOR_NAMESPACED_ROLE, ns), roleRef, subjects });
    }
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
