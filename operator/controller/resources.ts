/** The kinds the operator reads and writes, with their REST paths (no discovery round trips needed). */
import { GROUP, PLURAL, VERSION } from '../../api/types.ts';
import { parseApiVersion, resourcePath, type GroupVersionResource } from '../../runtime/k8s/gvr.ts';

export interface ResourceType extends GroupVersionResource {
  apiVersion: string;
  kind: string;
  namespaced: boolean;
}

function resourceType(apiVersion: string, kind: string, plural: string, namespaced = true): ResourceType {
  return { ...parseApiVersion(apiVersion), resource: plural, apiVersion, kind, namespaced };
}

export const INSTANCE_RESOURCE = resourceType(`${GROUP}/${VERSION}`, 'KelemetryInstance', PLURAL);

/** Every kind the manifests render; the operator watches each (label-selected) to correct drift. */
export const OWNED_RESOURCES: ResourceType[] = [
  resourceType('v1', 'ConfigMap', 'configmaps'),
  resourceType('v1', 'ServiceAccount', 'serviceaccounts'),
  resourceType('v1', 'Service', 'services'),
  resourceType('apps/v1', 'Deployment', 'deployments'),
  resourceType('apps/v1', 'StatefulSet', 'statefulsets'),
  resourceType('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  resourceType('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies'),
  // Instances only bind the install's fixed ClusterRoles: no Role or ClusterRole is rendered or written.
  resourceType('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings'),
  resourceType('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
];

/**
 * Kinds the manifests render on request whose CRD may be missing (the Prometheus Operator's): watched
 * only while the API server serves them (optionalKinds.ts), applied and pruned only then.
 */
export const OPTIONAL_RESOURCES: ResourceType[] = [
  resourceType('monitoring.coreos.com/v1', 'ServiceMonitor', 'servicemonitors'),
  resourceType('monitoring.coreos.com/v1', 'PodMonitor', 'podmonitors'),
];

/** Every kind an instance may own: always-served kinds first, then the optional ones. */
export const ALL_OWNED_RESOURCES: ResourceType[] = [...OWNED_RESOURCES, ...OPTIONAL_RESOURCES];

export const SECRET_RESOURCE = resourceType('v1', 'Secret', 'secrets');
export const CONFIGMAP_RESOURCE: ResourceType = OWNED_RESOURCES[0]!;

export function resourceFor(apiVersion: string, kind: string): ResourceType {
  const r = [INSTANCE_RESOURCE, ...ALL_OWNED_RESOURCES, SECRET_RESOURCE].find((t) => t.apiVersion === apiVersion && t.kind === kind);
  if (!r) throw new Error(`no REST mapping for ${apiVersion} ${kind}`);
  return r;
}

/** Collection path; all namespaces when namespace is undefined (and always for cluster-scoped kinds). */
export function collectionPath(r: ResourceType, namespace?: string): string {
  return resourcePath(r, r.namespaced ? namespace : undefined);
}

export function objectPath(r: ResourceType, name: string, namespace?: string): string {
  return resourcePath(r, r.namespaced ? namespace : undefined, name);
}
