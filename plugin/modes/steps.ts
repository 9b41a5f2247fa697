/** Step configs → runnable steps, with batches expanded (a batch may use batches defined before it). */
import { clusterName } from '../transform/steps/clusterName.ts';
import { collapseNesting } from '../transform/steps/collapseNesting.ts';
import { compactDuration } from '../transform/steps/compactDuration.ts';
import { extractNesting } from '../transform/steps/extractNesting.ts';
import { groupByTraceSource } from '../transform/steps/groupByTraceSource.ts';
import { objectTags } from '../transform/steps/objectTags.ts';
import { pruneChildless } from '../transform/steps/pruneChildless.ts';
import { pruneTags } from '../transform/steps/pruneTags.ts';
import { replaceName } from '../transform/steps/replaceName.ts';
import { serviceOperationReplace } from '../transform/steps/serviceOperationReplace.ts';
import { compileStringFilter } from '../transform/stringFilter.ts';
import type { Step } from '../transform/types.ts';
import type { StepConfig } from './schema.ts';

export function compileSteps(configs: StepConfig[], batches: Map<string, Step[]>, where: string): Step[] {
  const out: Step[] = [];
  for (const c of configs) {
    switch (c.kind) {
      case 'Batch': {
        const batch = batches.get(c.batchName);
        if (!batch) throw new Error(`${where}: unknown batch "${c.batchName}" (batches must be defined before use)`);
        out.push(...batch);
        break;
      }
      case 'PruneChildlessVisitor':
        out.push(pruneChildless);
        break;
      case 'ReplaceNameVisitor':
        out.push(replaceName);
        break;
      case 'ObjectTagsVisitor':
        out.push(objectTags(c.resourceTags));
        break;
      case 'ServiceOperationReplaceVisitor':
        out.push(serviceOperationReplace(c));
        break;
      case 'ClusterNameVisitor':
        out.push(clusterName);
        break;
      case 'PruneTagsVisitor':
        out.push(pruneTags);
        break;
      case 'ExtractNestingVisitor':
        out.push(extractNesting(compileStringFilter(c.matchesPseudoType)));
        break;
      case 'CollapseNestingVisitor':
        out.push(
          collapseNesting({
            shouldCollapse: compileStringFilter(c.shouldCollapse),
            tagMappings: c.tagMappings,
            auditDiffClasses: c.auditDiffClasses,
            logTypeMapping: c.logTypeMapping,
          }),
        );
        break;
      case 'CompactDurationVisitor':
        out.push(compactDuration);
        break;
      case 'GroupByTraceSourceVisitor':
        out.push(groupByTraceSource(compileStringFilter(c.shouldBeGrouped)));
        break;
    }
  }
  return out;
}
