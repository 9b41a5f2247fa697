/** PruneTagsVisitor: drop internal `zzz-` tags and log fields; suffix the root's name with its clock range. */
import { internalPrefix } from '../../../runtime/model/constants.ts';
import { endUs } from '../../model/span.ts';
import type { Step } from '../types.ts';

function clock(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().slice(11, 19);
}

export const pruneTags: Step = {
  kind: 'PruneTagsVisitor',
  run(tree) {
    tree.visit({
      enter(t, span) {
        for (const k of [...span.tags.keys()]) if (k.startsWith(internalPrefix)) span.tags.delete(k);
        for (const log of span.logs) for (const k of [...log.fields.keys()]) if (k.startsWith(internalPrefix)) log.fields.delete(k);
        if (span.spanId === t.rootId) span.name = `${span.name} / ${clock(span.startUs)}..${clock(endUs(span))}`;
      },
    });
  },
};
