/** ExtractNestingVisitor: remove non-root pseudo spans of matching type, lifting their children to their parent. */
import type { StringFilter } from '../stringFilter.ts';
import { pseudoTypeOf, type Step } from '../types.ts';

export function extractNesting(matchesPseudoType: StringFilter): Step {
  return {
    kind: 'ExtractNestingVisitor',
    run(tree) {
      tree.visit({
        enter(t, span) {
          const type = pseudoTypeOf(span);
          if (span.spanId === t.rootId || type === undefined || !matchesPseudoType(type)) return;
          // The lifted children join the parent's (live) child set, so this same pass visits them.
          for (const c of t.children(span.spanId)) t.move(c.spanId, span.parentId!);
          t.delete(span.spanId);
        },
      });
    },
  };
}
