/** Object identity (spec 3.1): the key every span carries as tags, and its string form. */
import { Tag } from './constants.ts';

export interface ObjectKey {
  cluster: string;
  /** "" for the core API group. */
  group: string;
  resource: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  name: string;
}

export interface VersionedKey extends ObjectKey {
  /** API version, e.g. `v1`. */
  version: string;
}

/** `cluster/group/resource/namespace/name`, empty parts kept (e.g. `tracetest//pods/default/demo-abc`). */
export function keyString(key: ObjectKey): string {
  return `${key.cluster}/${key.group}/${key.resource}/${key.namespace}/${key.name}`;
}

export function parseKeyString(s: string): ObjectKey {
  const parts = s.split('/');
  if (parts.length !== 5) throw new Error(`invalid object key "${s}": want cluster/group/resource/namespace/name`);
  const [cluster, group, resource, namespace, name] = parts as [string, string, string, string, string];
  return { cluster, group, resource, namespace, name };
}

/** The tags identifying an object on every span (versioned keys add `version`). */
export function keyTags(key: ObjectKey | VersionedKey): Record<string, string> {
  const tags: Record<string, string> = {
    [Tag.cluster]: key.cluster,
    [Tag.group]: key.group,
    [Tag.resource]: key.resource,
    [Tag.namespace]: key.namespace,
    [Tag.name]: key.name,
  };
  if ('version' in key) tags[Tag.version] = key.version;
  return tags;
}

/** The tags of a link span naming `linked`, in the role it has for the span's own object. */
export function linkedTags(linked: ObjectKey, role: string): Record<string, string> {
  return {
    [Tag.linkedCluster]: linked.cluster,
    [Tag.linkedGroup]: linked.group,
    [Tag.linkedResource]: linked.resource,
    [Tag.linkedNamespace]: linked.namespace,
    [Tag.linkedName]: linked.name,
    [Tag.linkRole]: role,
  };
}
