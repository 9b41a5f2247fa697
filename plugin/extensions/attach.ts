/**
 * Puts an extension result into the displayed tree (spec 8.9): every span takes the trace ID of the span it
 * hangs under; spans whose parent is not in the result (roots, orphans, cycles) hang under that object or
 * audit span; the rest keep their own structure. A span already in the tree (the same trace found for two
 * spans) is not added twice.
 */
import type { Span } from '../model/span.ts';
import type { SpanTree } from '../model/tree.ts';

/** Returns how many spans were added. */
export function attachSpans(tree: SpanTree, parentId: string, spans: Span[]): number {
  const parent = tree.get(parentId);
  if (!parent) return 0;
  const byId = new Map<string, Span>();
  for (const s of spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
  const kids = new Map<string, Span[]>();
  const queue: [Span, string][] = [];
  for (const s of byId.values()) {
    if (s.parentId && s.parentId !== s.spanId && byId.has(s.parentId)) kids.set(s.parentId, [...(kids.get(s.parentId) ?? []), s]);
    else queue.push([s, parentId]);
  }
  const placed = new Set<string>();
  let added = 0;
  const place = (s: Span, under: string) => {
    placed.add(s.spanId);
    if (tree.has(s.spanId)) return;
    s.traceId = parent.traceId;
    tree.add(s, under);
    added++;
  };
  for (let i = 0; ; i++) {
    if (i === queue.length) {
      // Only spans in a parent cycle are left: hang the first one under the parent, which breaks the cycle.
      const left = [...byId.values()].find((s) => !placed.has(s.spanId));
      if (!left) break;
      queue.push([left, parentId]);
    }
    const [s, under] = queue[i]!;
    if (placed.has(s.spanId)) continue;
    place(s, under);
    for (const c of kids.get(s.spanId) ?? []) queue.push([c, s.spanId]);
  }
  return added;
}
