/**
 * Parent-link annotation linker (spec 4.6): `kelemetry.kubewharf.io/parent-link` holds JSON
 * `{"cluster"?, "group", "version", "resource", "namespace"?, "name", "uid"?}` naming the parent, which
 * may live in another namespace or (with `cluster`) another cluster. No link class.
 */
import type { RichObject } from '../aggregator/types.ts';
import { parentLinkAnnotation } from '../model/constants.ts';
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

  constructor(deps: { objects?: ObjectSource }) {
    this.objects = deps.objects;
  }

  inputOf(raw: Record<string, unknown>): string | undefined {
    return (raw.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[parentLinkAnnotation];
  }

  async lookup(object: RichObject): Promise<LinkResult[]> {
    const json = object.raw ?? (await this.objects?.(object));
    const text = json && this.inputOf(json);
    if (text === undefined) return [];
    return [{ object: parseParentLink(object, text), role: 'parent', class: '', dedupId: 'annotation' }];
  }
}
