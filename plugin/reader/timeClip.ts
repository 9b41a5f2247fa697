/**
 * Time clipping (spec 8.3 filterTimeRange): pseudo spans (trace source `object`) are kept and stretched
 * to the query range; other spans are kept only if they start strictly inside it.
 */
import { Tag, TraceSource } from '../../runtime/model/constants.ts';
import { tagString } from '../model/span.ts';
import type { SpanTree } from '../model/tree.ts';

export function clipToRange(tree: SpanTree, startUs: number, endUs: number): void {
  tree.visit({
    enter(t, span) {
      if (tagString(span, Tag.traceSource) === TraceSource.object) {
        span.startUs = startUs;
        span.durationUs = endUs - startUs;
      } else if (!(span.startUs > startUs && span.startUs < endUs) && span.spanId !== t.rootId) {
        t.delete(span.spanId);
      }
    },
  });
}
