/**
 * Owner-reference linker (spec 4.5): the controller owner (ownerReferences[].controller = true) is the
 * object's parent, class `children`. The object's JSON comes from the job (audit response), else the
 * object cache (which falls back to the deletion snapshot), else the diff cache's creation snapshot.
 * Unlike the original, the creation snapshot comes last: an object adopted or orphaned since its creation
 * would otherwise keep its first owner in every later window.
 */
import type { Counter, Registry } from 'prom-client';
import type { RichObject } from '../aggregator/types.ts';
import type { DiffCache } from '../diff/types.ts';
import type { Discovery } from '../k8s/discovery.ts';
import { parseApiVersion } from '../k8s/gvr.ts';
import { counter } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';
import type { Linker, LinkResult, ObjectSource } from './types.ts';

interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

export interface OwnerLinkerDeps {
  discovery: Discovery;
  diffCache?: DiffCache;
  objects?: ObjectSource;
  logger: Logger;
  registry: Registry;
}

export class OwnerLinker implements Linker {
  readonly name = 'owner-linker';
  private readonly deps: OwnerLinkerDeps;
  private readonly lookups: Counter<'cluster' | 'fetch'>;

  constructor(deps: OwnerLinkerDeps) {
    this.deps = deps;
    this.lookups = counter(deps.registry, 'owner_linker_lookup_count', 'Owner lookups by where the object came from.', ['cluster', 'fetch']);
  }

  inputOf(raw: Record<string, unknown>): OwnerReference[] {
    return ((raw.metadata as { ownerReferences?: OwnerReference[] } | undefined)?.ownerReferences ?? []).filter((r) => r.controller === true);
  }

  async lookup(object: RichObject): Promise<LinkResult[]> {
    const json = await this.objectJson(object);
    const out: LinkResult[] = [];
    for (const ref of json ? this.inputOf(json) : []) {
      const owner = await this.ownerOf(object, ref);
      if (owner) out.push({ object: owner, role: 'parent', class: 'children', dedupId: 'ownerReference' });
    }
    return out;
  }

  private async objectJson(object: RichObject): Promise<Record<string, unknown> | undefined> {
    if (object.raw) {
      this.lookups.inc({ cluster: object.cluster, fetch: 'Raw' });
      return object.raw;
    }
    const where = { cluster: object.cluster, object: `${object.group}/${object.resource}/${object.namespace}/${object.name}` };
    const current = await this.deps.objects?.(object).catch((err: unknown) => {
      this.deps.logger.warn('owner linker: object lookup failed, trying the creation snapshot', { ...where, err });
      return undefined;
    });
    if (current) {
      this.lookups.inc({ cluster: object.cluster, fetch: 'ObjectCache' });
      return current;
    }
    const snap = await this.deps.diffCache?.fetchSnapshot(object, 'creation').catch((err: unknown) => {
      this.deps.logger.warn('owner linker: creation snapshot lookup failed', { ...where, err });
      return undefined;
    });
    this.lookups.inc({ cluster: object.cluster, fetch: snap ? 'Snapshot' : 'NotFound' });
    return snap?.Value;
  }

  /** The owner as an object (undefined, logged, when its kind is unknown to discovery). */
  private async ownerOf(object: RichObject, ref: OwnerReference): Promise<RichObject | undefined> {
    const { group, version } = parseApiVersion(ref.apiVersion);
    const info = await this.deps.discovery.for(object.cluster).lookupKind({ group, version, kind: ref.kind ?? '' });
    if (!info) {
      this.deps.logger.warn('owner linker: unknown owner kind', { cluster: object.cluster, apiVersion: ref.apiVersion, kind: ref.kind });
      return undefined;
    }
    return {
      cluster: object.cluster,
      group: info.group,
      version,
      resource: info.resource,
      // Owners of namespaced objects share the namespace, unless the owner is cluster-scoped.
      namespace: info.namespaced ? object.namespace : '',
      name: ref.name ?? '',
      ...(ref.uid ? { uid: ref.uid } : {}),
    };
  }
}
