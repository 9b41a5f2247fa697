/**
 * MergeTraces (spec 8.5): one tree per connected family of objects. The root object is found by walking
 * up parent links from the first member; each object's tree is grafted under its parent's object span,
 * inside a link-class span (e.g. `children`) when the link has a class. Links from either side count,
 * so a family is complete even when only the child's trace recorded the link in the range.
 */
import { LinkRole, PseudoType, Tag } from '../../runtime/model/constants.ts';
import { keyString } from '../../runtime/model/objectKey.ts';
import type { SpanTree } from '../model/tree.ts';
import type { TraceIdentifier } from '../tracecache/types.ts';
import type { MergedObject, ObjectSet } from './objects.ts';

export interface MergedTrace {
  tree: SpanTree;
  identifiers: TraceIdentifier[];
  objects: MergedObject[];
}

interface Edge {
  parent: string;
  child: string;
  linkClass: string;
}

export function mergeTraces(set: ObjectSet, newSpanId: () => string): MergedTrace[] {
  const objs = set.objects;
  const childEdges = new Map<string, Edge[]>();
  const parentsOf = new Map<string, string[]>();
  const adjacent = new Map<string, Set<string>>();
  const seenEdges = new Set<string>();
  for (const obj of objs.values()) {
    for (const link of obj.links) {
      const target = keyString(link.key);
      if (!objs.has(target) || target === obj.keyStr) continue;
      let edge: Edge;
      if (link.role === LinkRole.child) edge = { parent: obj.keyStr, child: target, linkClass: link.linkClass };
      else if (link.role === LinkRole.parent) edge = { parent: target, child: obj.keyStr, linkClass: link.linkClass };
      else continue;
      const id = `${edge.parent}|${edge.child}|${edge.linkClass}`;
      if (seenEdges.has(id)) continue;
      seenEdges.add(id);
      childEdges.set(edge.parent, [...(childEdges.get(edge.parent) ?? []), edge]);
      parentsOf.set(edge.child, [...(parentsOf.get(edge.child) ?? []), edge.parent]);
      for (const [a, b] of [[edge.parent, edge.child], [edge.child, edge.parent]] as const) {
        const set = adjacent.get(a) ?? new Set<string>();
        set.add(b);
        adjacent.set(a, set);
      }
    }
  }

  const assigned = new Set<string>();
  const out: MergedTrace[] = [];
  for (const first of objs.keys()) {
    if (assigned.has(first)) continue;
    const component: string[] = [];
    const stack = [first];
    assigned.add(first);
    while (stack.length) {
      const cur = stack.pop()!;
      component.push(cur);
      for (const n of adjacent.get(cur) ?? []) {
        if (!assigned.has(n)) {
          assigned.add(n);
          stack.push(n);
        }
      }
    }

    let root = first;
    const walked = new Set([root]);
    for (;;) {
      const up = (parentsOf.get(root) ?? []).find((p) => !walked.has(p));
      if (!up) break;
      walked.add(up);
      root = up;
    }

    const rootObj = objs.get(root)!;
    const tree = rootObj.tree;
    const placed = new Set([root]);
    const graftFamily = (start: string) => {
      const todo = [start];
      while (todo.length) {
        const cur = todo.pop()!;
        const curObj = objs.get(cur)!;
        const parentSpan = curObj.tree.root;
        for (const edge of childEdges.get(cur) ?? []) {
          if (placed.has(edge.child)) {
            parentSpan.warnings.push(`repeated object ${edge.child} omitted`);
            continue;
          }
          let under = parentSpan.spanId;
          if (edge.linkClass) {
            under = newSpanId();
            tree.add(
              {
                traceId: parentSpan.traceId,
                spanId: under,
                name: '',
                service: edge.linkClass,
                kind: 0,
                startUs: parentSpan.startUs,
                durationUs: parentSpan.durationUs,
                tags: new Map([
                  [Tag.traceSource, 'object'],
                  [Tag.pseudoType, PseudoType.linkClass],
                ]),
                logs: [],
                warnings: [],
              },
              parentSpan.spanId,
            );
          }
          tree.graft(objs.get(edge.child)!.tree, under);
          placed.add(edge.child);
          todo.push(edge.child);
        }
      }
    };
    graftFamily(root);
    // Members not reachable downwards from the root (e.g. a second owner): keep them, attached to the root.
    for (const member of component) {
      if (placed.has(member)) continue;
      const obj = objs.get(member)!;
      obj.tree.root.warnings.push(`no owner path from ${root}; shown under the root`);
      tree.graft(obj.tree, tree.rootId);
      placed.add(member);
      graftFamily(member);
    }
    const members = component.map((k) => objs.get(k)!);
    out.push({ tree, identifiers: members.flatMap((m) => m.identifiers), objects: members });
  }
  return out;
}
