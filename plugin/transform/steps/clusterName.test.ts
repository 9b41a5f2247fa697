import { describe, expect, it } from 'vitest';
import { id, mkTree, testContext } from '../testing.ts';
import { clusterName } from './clusterName.ts';

describe('ClusterNameVisitor', () => {
  it('prefixes the root and spans whose cluster differs from their ancestors', () => {
    const tree = mkTree(
      { id: '1', service: 'deployments', tags: { cluster: 'a' } },
      { id: '2', parent: '1', service: 'children' },
      { id: '3', parent: '2', service: 'replicasets', tags: { cluster: 'a' } },
      { id: '4', parent: '2', service: 'replicasets', tags: { cluster: 'b' } },
      { id: '5', parent: '4', service: 'pods', tags: { cluster: 'b' } },
    );
    clusterName.run(tree, testContext());
    expect(['1', '2', '3', '4', '5'].map((s) => tree.get(id(s))!.service)).toEqual(['a deployments', 'children', 'replicasets', 'b replicasets', 'pods']);
  });
});
