/** ClusterNameVisitor: prefix the service with `<cluster> ` wherever the cluster changes from the ancestors' (the root always). */
import { Tag } from '../../../runtime/model/constants.ts';
import type { SpanTree } from '../../model/tree.ts';
import { tagString } from '../../model/span.ts';
import type { Step } from '../types.ts';

function walk(tree: SpanTree, spanId: string, parentCluster: string): void {
  const span = tree.get(spanId)!;
  const cluster = tagString(span, Tag.cluster);
  let inherited = parentCluster;
  if (cluster !== undefined) {
    if (cluster !== parentCluster) span.service = `${cluster} ${span.service}`;
    inherited = cluster;
  }
  for (const c of tree.children(spanId)) walk(tree, c.spanId, inherited);
}

export const clusterName: Step = {
  kind: 'ClusterNameVisitor',
  run(tree) {
    walk(tree, tree.rootId, '');
  },
};
