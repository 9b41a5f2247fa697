/**
 * ObjectTagsVisitor: an object span missing one of `resourceTags` (e.g. `nodes` on a pod) takes it from
 * its first descendant that has it (depth-first, not entering other objects' spans), and so does every
 * span on the path between them.
 */
import { PseudoType, Tag } from '../../../runtime/model/constants.ts';
import type { SpanTree } from '../../model/tree.ts';
import type { AttrValue, Span } from '../../model/span.ts';
import { pseudoTypeOf, type Step } from '../types.ts';

function findDown(tree: SpanTree, span: Span, tag: string): { value: AttrValue; path: Span[] } | undefined {
  for (const child of tree.children(span.spanId)) {
    if (pseudoTypeOf(child) === PseudoType.object) continue;
    const v = child.tags.get(tag);
    if (v !== undefined) return { value: v, path: [] };
    const found = findDown(tree, child, tag);
    if (found) return { value: found.value, path: [child, ...found.path] };
  }
  return undefined;
}

export function objectTags(resourceTags: string[]): Step {
  return {
    kind: 'ObjectTagsVisitor',
    run(tree) {
      tree.visit({
        enter(t, span) {
          if (pseudoTypeOf(span) !== PseudoType.object || !span.tags.has(Tag.resource)) return;
          for (const tag of resourceTags) {
            if (span.tags.has(tag)) continue;
            const found = findDown(t, span, tag);
            if (!found) continue;
            for (const s of [span, ...found.path]) s.tags.set(tag, found.value);
          }
        },
      });
    },
  };
}
