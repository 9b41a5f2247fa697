/**
 * GroupByTraceSourceVisitor: move a span's logs of selected trace sources (by their `zzz-traceSource`
 * field) into one child span per source — in `grouped` mode audit logs get an `audit` child span.
 */
import { PseudoType, Tag } from '../../../runtime/model/constants.ts';
import { fieldString, type SpanLog } from '../../model/span.ts';
import type { StringFilter } from '../stringFilter.ts';
import { pseudoTypeOf, type Step } from '../types.ts';

export function groupByTraceSource(shouldBeGrouped: StringFilter): Step {
  return {
    kind: 'GroupByTraceSourceVisitor',
    run(tree, ctx) {
      tree.visit({
        enter(t, span) {
          if (pseudoTypeOf(span) === PseudoType.groupByTraceSource) return;
          const groups = new Map<string, SpanLog[]>();
          const kept: SpanLog[] = [];
          for (const log of span.logs) {
            const source = fieldString(log.fields, Tag.traceSource);
            if (source === undefined || !shouldBeGrouped(source)) {
              kept.push(log);
              continue;
            }
            const list = groups.get(source) ?? [];
            list.push(log);
            groups.set(source, list);
          }
          if (groups.size === 0) return;
          span.logs = kept;
          for (const [source, logs] of groups) {
            t.add(
              {
                traceId: span.traceId,
                spanId: ctx.newSpanId(),
                name: source,
                service: source,
                kind: 0,
                startUs: span.startUs,
                durationUs: span.durationUs,
                tags: new Map([[Tag.pseudoType, PseudoType.groupByTraceSource]]),
                logs,
                warnings: [],
              },
              span.spanId,
            );
          }
        },
      });
    },
  };
}
