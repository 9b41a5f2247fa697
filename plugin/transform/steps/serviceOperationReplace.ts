/**
 * ServiceOperationReplaceVisitor: on spans of one trace source (not link-class spans), write the
 * non-empty values of some tags, space-joined (namespace `default` omitted), into the service or the
 * operation name — e.g. object spans become service `deployments`, operation `demo`.
 */
import { PseudoType, Tag } from '../../../runtime/model/constants.ts';
import { tagString } from '../../model/span.ts';
import { pseudoTypeOf, traceSourceOf, type Step } from '../types.ts';

export interface ServiceOperationReplaceConfig {
  traceSource: string;
  dest: 'service' | 'operation';
  source: string[];
}

export function serviceOperationReplace(config: ServiceOperationReplaceConfig): Step {
  return {
    kind: 'ServiceOperationReplaceVisitor',
    run(tree) {
      tree.visit({
        enter(_t, span) {
          if (traceSourceOf(span) !== config.traceSource || pseudoTypeOf(span) === PseudoType.linkClass) return;
          const values = config.source
            .map((tag) => [tag, tagString(span, tag) ?? ''] as const)
            .filter(([tag, v]) => v !== '' && !(tag === Tag.namespace && v === 'default'))
            .map(([, v]) => v);
          const text = values.join(' ');
          if (config.dest === 'service') span.service = text;
          else span.name = text;
        },
      });
    },
  };
}
