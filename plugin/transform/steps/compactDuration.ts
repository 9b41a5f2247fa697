/**
 * CompactDurationVisitor: post-order, shrink each pseudo span to the time its children and logs
 * (each log counted as a 1 s tick) cover; pad the root by 5 % on each side.
 */
import { dummyDurationMs } from '../../../runtime/model/constants.ts';
import { endUs } from '../../model/span.ts';
import { pseudoTypeOf, type Step } from '../types.ts';

export const compactDuration: Step = {
  kind: 'CompactDurationVisitor',
  run(tree) {
    tree.visit({
      exit(t, span) {
        if (pseudoTypeOf(span) === undefined) return;
        let lo = Infinity;
        let hi = -Infinity;
        for (const c of t.children(span.spanId)) {
          lo = Math.min(lo, c.startUs);
          hi = Math.max(hi, endUs(c));
        }
        for (const l of span.logs) {
          lo = Math.min(lo, l.timeUs);
          hi = Math.max(hi, l.timeUs + dummyDurationMs * 1000);
        }
        if (lo > hi) return;
        let start = lo;
        let duration = hi - lo;
        if (span.spanId === t.rootId) {
          const pad = Math.floor(duration / 20);
          start -= pad;
          duration += 2 * pad;
        }
        span.startUs = start;
        span.durationUs = duration;
      },
    });
  },
};
