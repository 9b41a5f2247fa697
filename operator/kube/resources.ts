/** The kinds the operator reads and writes, with their REST paths (no discovery round trips needed). */
import { GROUP, PLURAL, VERSION } from '../../api/types.ts';

export interface ResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export const INSTANCE_RESOURCE: ResourceType = { apiVersion: `${GROUP}/${VERSION}`, kind: 'KelemetryInstance', plural: PLURAL, namespaced: true };

/** Every kind the manifests render; the operator watches each (label-selected) to correct drift. */
export const OWNED_RESOURCES: ResourceType[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
];

export const SECRET_RESOURCE: ResourceType = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
export const CONFIGMAP_RESOURCE: ResourceType = OWNED_RESOURCES[0]!;
export const LEASE_RESOURCE: ResourceType = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true };

export function resourceFor(apiVersion: string, kind: string): ResourceType {
  const r = [INSTANCE_RESOURCE, ...OWNED_RESOURCES, SECRET_RESOURCE, LEASE_RESOURCE].find((t) => t.apiVersion === apiVersion && t.kind === kind);
  if (!r) throw new Error(`no REST mapping for ${apiVersion} ${kind}`);
  return r;
}

function base(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Collection path; all namespaces when namespace is undefined. */
export function collectionPath(r: ResourceType, namespace?: string): string {
  return r.namespaced && namespace ? `${base(r.apiVersion)}/namespaces/${namespace}/${r.plural}` : `${base(r.apiVersion)}/${r.plural}`;
}

export function objectPath(r: ResourceType, name: string, namespace?: string): string {
  return `${collectionPath(r, r.namespaced ? namespace : undefined)}/${name}`;
}
