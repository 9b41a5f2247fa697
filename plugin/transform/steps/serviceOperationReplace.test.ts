import { describe, expect, it } from 'vitest';
import { id, mkTree, objectTags, testContext } from '../testing.ts';
import { serviceOperationReplace } from './serviceOperationReplace.ts';

describe('ServiceOperationReplaceVisitor', () => {
  it('writes resource into the service and "namespace name" into the operation, omitting namespace default', () => {
    const tree = mkTree(
      { id: '1', name: 'deployments/d', service: 'object', tags: objectTags('deployments', 'd') },
      { id: '2', parent: '1', name: 'pods/p', service: 'object', tags: objectTags('pods', 'p', { namespace: 'kube-system' }) },
      { id: '3', parent: '1', name: 'kwok-admin update', service: 'audit', tags: { 'zzz-traceSource': 'audit', resource: 'x' } },
      { id: '4', parent: '1', name: '', service: 'children', tags: { 'zzz-traceSource': 'object', 'zzz-pseudoType': 'linkClass' } },
    );
    serviceOperationReplace({ traceSource: 'object', dest: 'service', source: ['resource'] }).run(tree, testContext());
    serviceOperationReplace({ traceSource: 'object', dest: 'operation', source: ['namespace', 'name'] }).run(tree, testContext());
    expect([tree.get(id('1'))!.service, tree.get(id('1'))!.name]).toEqual(['deployments', 'd']);
    expect([tree.get(id('2'))!.service, tree.get(id('2'))!.name]).toEqual(['pods', 'kube-system p']);
    expect([tree.get(id('3'))!.service, tree.get(id('3'))!.name]).toEqual(['audit', 'kwok-admin update']);
    expect([tree.get(id('4'))!.service, tree.get(id('4'))!.name]).toEqual(['children', '']);
  });
});
