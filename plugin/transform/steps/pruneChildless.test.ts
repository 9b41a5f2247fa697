import { describe, expect, it } from 'vitest';
import { mkTree, objectTags, shape, testContext } from '../testing.ts';
import { pruneChildless } from './pruneChildless.ts';

describe('PruneChildlessVisitor', () => {
  it('removes leaf link spans and empty link-class/object spans, keeps real spans and the root', () => {
    const tree = mkTree(
      { id: '1', name: 'deploy', tags: objectTags('deployments', 'd') },
      { id: '2', parent: '1', name: 'link', tags: { 'zzz-pseudoType': 'link' } },
      { id: '3', parent: '1', name: 'class', tags: { 'zzz-pseudoType': 'linkClass' } },
      { id: '4', parent: '3', name: 'rs', tags: objectTags('replicasets', 'r') },
      { id: '5', parent: '4', name: 'rslink', tags: { 'zzz-pseudoType': 'link' } },
      { id: '6', parent: '1', name: 'audit', tags: { 'zzz-traceSource': 'audit' } },
    );
    expect(shape(tree)).toBe('deploy(audit,class(rs(rslink)),link)');
    pruneChildless.run(tree, testContext());
    expect(shape(tree)).toBe('deploy(audit)');
  });
  it('never removes the root, even childless', () => {
    const tree = mkTree({ id: '1', name: 'deploy', tags: objectTags('deployments', 'd') });
    pruneChildless.run(tree, testContext());
    expect(tree.size).toBe(1);
  });
});
