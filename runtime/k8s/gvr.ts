/** Group/version/resource and group/version/kind values, and the URL paths they map to. */

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** `apps/v1` → {group: apps, version: v1}; `v1` → core group. An empty apiVersion means core `v1`. */
export function parseApiVersion(apiVersion: string | undefined): { group: string; version: string } {
  if (!apiVersion) return { group: '', version: 'v1' };
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function gvrString(gvr: GroupVersionResource): string {
  return `${groupVersion(gvr.group, gvr.version)}/${gvr.resource}`;
}

/** `resource` or `group/resource`, the form exclusion lists use. */
export function groupResourceString(group: string, resource: string): string {
  return group ? `${group}/${resource}` : resource;
}

/** Collection path, e.g. `/apis/apps/v1/namespaces/default/deployments` or `/api/v1/nodes`. */
export function resourcePath(gvr: GroupVersionResource, namespace?: string, name?: string): string {
  const root = gvr.group ? `/apis/${gvr.group}/${gvr.version}` : `/api/${gvr.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const n = name ? `/${encodeURIComponent(name)}` : '';
  return `${root}${ns}/${gvr.resource}${n}`;
}
