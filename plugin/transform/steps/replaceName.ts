/** ReplaceNameVisitor: the operation name becomes the `zzz-kelemetryName` tag when present. */
import { Tag } from '../../../runtime/model/constants.ts';
import { tagString } from '../../model/span.ts';
import type { Step } from '../types.ts';

export const replaceName: Step = {
  kind: 'ReplaceNameVisitor',
  run(tree) {
    tree.visit({
      enter(_t, span) {
        const name = tagString(span, Tag.spanName);
        if (name !== undefined) span.name = name;
      },
    });
  },
};
