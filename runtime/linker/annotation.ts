/**
 * Parent-link annotation linker (spec 4.6): `kelemetry.kubewharf.io/parent-link` holds JSON
 * `{"cluster"?, "group", "version", "resource", "namespace"?, "name", "uid"?}` naming the parent, which
 * may live in another namespace or (with `cluster`) another cluster. No link class. A namespace written for a
 * cluster-scoped parent (discovery says so) is dropped, since that object's trace is keyed without one.
 */
import type { RichObject } from '../aggregator/types.ts';
import { parentLinkAnnotation } from '../model/constants.ts';
import type { Discovery } from '../k8s/discovery.ts';
import type { Linker, LinkResult, ObjectSource } from './types.ts';

interface ParentLink {
  cluster?: string;
  group?: string;
  version?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

/** Parses the annotation; throws (with the object named) when it is not valid JSON or lacks resource/name. */
export function parseParentLink(object: RichObject, text: string): RichObject {
  let link: ParentLink;
  try {
    link = JSON.parse(text) as ParentLink;
  } catch (err) {
    throw new Error(`ParseAnnotation: ${object.cluster}/${object.group}/${object.resource}/${object.namespace}/${object.name}: ${parentLinkAnnotation} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!link || typeof link !== 'object' || !link.resource || !link.name) {
    throw new Error(`ParseAnnotation: ${object.cluster}/${object.group}/${object.resource}/${object.namespace}/${object.name}: ${parentLinkAnnotation} needs "resource" and "name"`);
  }
  return {
    cluster: link.cluster || object.cluster,
    group: link.group ?? '',
    version: link.version ?? '',
    resource: link.resource,
    namespace: link.namespace ?? '',
    name: link.name,
    ...(link.uid ? { uid: link.uid } : {}),
  };
}

export class AnnotationLinker implements Linker {
  readonly name = 'annotation-linker';
  private readonly objects: ObjectSource | undefined;
  private readonly discovery: Discovery | undefined;

  constructor(deps: { objects?: ObjectSource; discovery?: Discovery }) {
    this.objects = deps.objects;
    this.discovery = deps.discovery;
  }

  inputOf(raw: Record<string, unknown>): string | undefined {
    return (raw.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[parentLinkAnnotation];
  }

  async lookup(object: RichObject): Promise<LinkResult[]> {
    const json = object.raw ?? (await this.objects?.(object));
    const text = json && this.inputOf(json);
    if (text === undefined) return [];
    const parent = parseParentLink(object, text);
    if (parent.namespace && (await this.clusterScoped(parent))) parent.namespace = '';
    return [{ object: parent, role: 'parent', class: '', dedupId: 'annotation' }];
  }

  /** Whether discovery knows the parent's resource as cluster-scoped (unknown: keep what the annotation says). */
  private async clusterScoped(parent: RichObject): Promise<boolean> {
    if (!this.discovery) return false;
    try {
      const info = await this.discovery.for(parent.cluster).lookupResource(parent.group, parent.resource);
      return info?.namespaced === false;
    } catch {
      return false;
    }
  }
}
