/** Hand-made spans and trees for the transform unit tests. */
import { SpanTree } from '../model/tree.ts';
import type { AttrValue, Span } from '../model/span.ts';
import type { TransformContext } from './types.ts';

export interface SpanSpec {
  id: string;
  parent?: string;
  name?: string;
  service?: string;
  start?: number;
  duration?: number;
  tags?: Record<string, AttrValue>;
  logs?: { time: number; fields: Record<string, AttrValue> }[];
}

export function mkSpan(s: SpanSpec): Span {
  return {
    traceId: 'a'.repeat(32),
    spanId: s.id.padStart(16, '0'),
    ...(s.parent ? { parentId: s.parent.padStart(16, '0') } : {}),
    name: s.name ?? s.id,
    service: s.service ?? '',
    kind: 0,
    startUs: s.start ?? 0,
    durationUs: s.duration ?? 0,
    tags: new Map(Object.entries(s.tags ?? {})),
    logs: (s.logs ?? []).map((l) => ({ timeUs: l.time, fields: new Map(Object.entries(l.fields)) })),
    warnings: [],
  };
}

export function mkTree(...specs: SpanSpec[]): SpanTree {
  return SpanTree.fromSpans(specs.map(mkSpan)).tree;
}

export function id(short: string): string {
  return short.padStart(16, '0');
}

/** Shape of a tree as nested `name` strings: `root(a,b(c))`, children sorted by name. */
export function shape(tree: SpanTree, spanId = tree.rootId): string {
  const span = tree.get(spanId)!;
  const kids = tree.children(spanId).map((c) => shape(tree, c.spanId)).sort();
  return kids.length ? `${span.name}(${kids.join(',')})` : span.name;
}

export function testContext(startUs = 0, endUs = 1_000_000_000): TransformContext {
  let n = 0;
  return { startUs, endUs, newSpanId: () => `f${String(++n).padStart(15, '0')}` };
}

export const objectTags = (resource: string, name: string, extra: Record<string, string> = {}) => ({
  cluster: 'c1',
  group: 'apps',
  resource,
  namespace: 'default',
  name,
  'zzz-traceSource': 'object',
  'zzz-pseudoType': 'object',
  ...extra,
});
