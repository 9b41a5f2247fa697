/**
 * Per-object merge (spec 8.5 AddTraces): every raw trace is one object's window; the windows of one
 * object merge into one tree (root interval = union, root tags added or refreshed by the later window,
 * root logs concatenated, other spans copied under the root — same span IDs overwrite, which drops
 * duplicates). Link spans directly under the root become the object's links.
 */
import { PseudoType, Tag } from '../../runtime/model/constants.ts';
import { keyString, type ObjectKey } from '../../runtime/model/objectKey.ts';
import type { Thumbnail } from '../backend/types.ts';
import { endUs, tagString, type Span } from '../model/span.ts';
import type { SpanTree } from '../model/tree.ts';
import type { TraceIdentifier } from '../tracecache/types.ts';

export interface ObjectLink {
  key: ObjectKey;
  /** `parent`: the linked object is this object's parent; `child`: it is a child. */
  role: string;
  /** e.g. `children`; '' when unset. */
  linkClass: string;
}

export interface MergedObject {
  key: ObjectKey;
  keyStr: string;
  tree: SpanTree;
  identifiers: TraceIdentifier[];
  links: ObjectLink[];
}

export function objectKeyOf(span: Span): ObjectKey {
  return {
    cluster: tagString(span, Tag.cluster) ?? '',
    group: tagString(span, Tag.group) ?? '',
    resource: tagString(span, Tag.resource) ?? '',
    namespace: tagString(span, Tag.namespace) ?? '',
    name: tagString(span, Tag.name) ?? '',
  };
}

function linksOf(tree: SpanTree): ObjectLink[] {
  const seen = new Map<string, ObjectLink>();
  for (const c of tree.children(tree.rootId)) {
    if (tagString(c, Tag.pseudoType) !== PseudoType.link) continue;
    const role = tagString(c, Tag.linkRole);
    if (!role) continue;
    const key: ObjectKey = {
      cluster: tagString(c, Tag.linkedCluster) ?? '',
      group: tagString(c, Tag.linkedGroup) ?? '',
      resource: tagString(c, Tag.linkedResource) ?? '',
      namespace: tagString(c, Tag.linkedNamespace) ?? '',
      name: tagString(c, Tag.linkedName) ?? '',
    };
    const linkClass = tagString(c, Tag.linkClass) ?? '';
    seen.set(`${keyString(key)}|${role}|${linkClass}`, { key, role, linkClass });
  }
  return [...seen.values()];
}

function mergeInto(base: SpanTree, tail: SpanTree): void {
  const b = base.root;
  const t = tail.root;
  if (b.spanId !== t.spanId) {
    const start = Math.min(b.startUs, t.startUs);
    const end = Math.max(endUs(b), endUs(t));
    const tailLater = t.startUs > b.startUs;
    for (const [k, v] of t.tags) if (!b.tags.has(k) || tailLater) b.tags.set(k, v);
    b.logs.push(...t.logs);
    b.warnings.push(...t.warnings);
    b.startUs = start;
    b.durationUs = end - start;
  }
  const order = [tail.rootId];
  for (let i = 0; i < order.length; i++) for (const c of tail.children(order[i]!)) order.push(c.spanId);
  for (const id of order.slice(1)) {
    const s = tail.get(id)!;
    base.add(s, s.parentId === tail.rootId ? base.rootId : s.parentId!);
  }
}

export class ObjectSet {
  readonly objects = new Map<string, MergedObject>();
  /** Raw traces merged so far (for metrics). */
  tracesAdded = 0;

  has(key: ObjectKey): boolean {
    return this.objects.has(keyString(key));
  }

  get(key: ObjectKey): MergedObject | undefined {
    return this.objects.get(keyString(key));
  }

  /** Adds raw traces; returns the objects that changed. */
  addTraces(thumbs: Thumbnail[]): MergedObject[] {
    const affected = new Map<string, MergedObject>();
    for (const th of thumbs) {
      const key = objectKeyOf(th.tree.root);
      const keyStr = keyString(key);
      const obj = this.objects.get(keyStr);
      if (!obj) {
        this.objects.set(keyStr, { key, keyStr, tree: th.tree, identifiers: [th.identifier], links: [] });
      } else {
        mergeInto(obj.tree, th.tree);
        if (!obj.identifiers.some((i) => i.traceId === th.identifier.traceId && i.spanId === th.identifier.spanId)) obj.identifiers.push(th.identifier);
      }
      this.tracesAdded++;
      affected.set(keyStr, this.objects.get(keyStr)!);
    }
    for (const obj of affected.values()) obj.links = linksOf(obj.tree);
    return [...affected.values()];
  }
}
