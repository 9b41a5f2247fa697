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

/** The links between the set's objects, from either side, each once. */
interface Graph {
  childEdges: Map<string, Edge[]>;
  parentsOf: Map<string, string[]>;
  adjacent: Map<string, Set<string>>;
}

export function mergeTraces(set: ObjectSet, newSpanId: () => string): MergedTrace[] {
  const objs = set.objects;
  const graph = linkGraph(objs);
  const assigned = new Set<string>();
  const out: MergedTrace[] = [];
  for (const first of objs.keys()) {
    if (assigned.has(first)) continue;
    const component = componentOf(first, graph, assigned);
    const root = rootOf(first, graph);
    const tree = objs.get(root)!.tree;
    const placed = new Set([root]);
    const graft = (start: string) => graftFamily(start, { objs, graph, tree, placed, newSpanId });
    graft(root);
    // Members not reachable downwards from the root (e.g. a second owner): keep them, attached to the root.
    for (const member of component) {
      if (placed.has(member)) continue;
      const obj = objs.get(member)!;
      obj.tree.root.warnings.push(`no owner path from ${root}; shown under the root`);
      tree.graft(obj.tree, tree.rootId);
      placed.add(member);
      graft(member);
    }
    const members = component.map((k) => objs.get(k)!);
    out.push({ tree, identifiers: members.flatMap((m) => m.identifiers), objects: members });
  }
  return out;
}

function linkGraph(objs: ObjectSet['objects']): Graph {
  const graph: Graph = { childEdges: new Map(), parentsOf: new Map(), adjacent: new Map() };
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
      graph.childEdges.set(edge.parent, [...(graph.childEdges.get(edge.parent) ?? []), edge]);
      graph.parentsOf.set(edge.child, [...(graph.parentsOf.get(edge.child) ?? []), edge.parent]);
      for (const [a, b] of [[edge.parent, edge.child], [edge.child, edge.parent]] as const) {
        const set = graph.adjacent.get(a) ?? new Set<string>();
        set.add(b);
        graph.adjacent.set(a, set);
      }
    }
  }
  return graph;
}

/** The connected family of `first` (depth first); marks its members in `assigned`. */
function componentOf(first: string, graph: Graph, assigned: Set<string>): string[] {
  const component: string[] = [];
  const stack = [first];
  assigned.add(first);
  while (stack.length) {
    const cur = stack.pop()!;
    component.push(cur);
    for (const n of graph.adjacent.get(cur) ?? []) {
      if (!assigned.has(n)) {
        assigned.add(n);
        stack.push(n);
      }
    }
  }
  return component;
}

/** Walks up parent links from `first` (never in a circle). */
function rootOf(first: string, graph: Graph): string {
  let root = first;
  const walked = new Set([root]);
  for (;;) {
    const up = (graph.parentsOf.get(root) ?? []).find((p) => !walked.has(p));
    if (!up) return root;
    walked.add(up);
    root = up;
  }
}

interface GraftContext {
  objs: ObjectSet['objects'];
  graph: Graph;
  /** The family's tree (the root object's), which every member is grafted into. */
  tree: SpanTree;
  placed: Set<string>;
  newSpanId: () => string;
}

/** Grafts the objects below `start` under their parents' object spans, each object once. */
function graftFamily(start: string, ctx: GraftContext): void {
  const { objs, tree, placed } = ctx;
  const todo = [start];
  while (todo.length) {
    const cur = todo.pop()!;
    const parentSpan = objs.get(cur)!.tree.root;
    for (const edge of ctx.graph.childEdges.get(cur) ?? []) {
      if (placed.has(edge.child)) {
        parentSpan.warnings.push(`repeated object ${edge.child} omitted`);
        continue;
      }
      const under = edge.linkClass ? addLinkClassSpan(tree, parentSpan, edge.linkClass, ctx.newSpanId()) : parentSpan.spanId;
      tree.graft(objs.get(edge.child)!.tree, under);
      placed.add(edge.child);
      todo.push(edge.child);
    }
  }
}

/** A `linkClass` pseudo span (e.g. `children`) under the parent's object span; returns its id. */
function addLinkClassSpan(tree: SpanTree, parentSpan: SpanTree['root'], linkClass: string, spanId: string): string {
  tree.add(
    {
      traceId: parentSpan.traceId,
      spanId,
      name: '',
      service: linkClass,
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
  return spanId;
}
