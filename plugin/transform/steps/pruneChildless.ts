/** PruneChildlessVisitor: post-order, delete every non-root pseudo span left without children. */
import type { Step } from '../types.ts';
import { pseudoTypeOf } from '../types.ts';

export const pruneChildless: Step = {
  kind: 'PruneChildlessVisitor',
  run(tree) {
    tree.visit({
      exit(t, span) {
        if (span.spanId !== t.rootId && pseudoTypeOf(span) !== undefined && t.childCount(span.spanId) === 0) t.delete(span.spanId);
      },
    });
  },
};
