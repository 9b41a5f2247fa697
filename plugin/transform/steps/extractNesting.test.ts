import { describe, expect, it } from 'vitest';
import { compileStringFilter } from '../stringFilter.ts';
import { mkTree, objectTags, shape, testContext } from '../testing.ts';
import { extractNesting } from './extractNesting.ts';

describe('ExtractNestingVisitor', () => {
  it('lifts children of link-class spans, including nested ones, to their parents', () => {
    const tree = mkTree(
      { id: '1', name: 'd', tags: objectTags('deployments', 'd') },
      { id: '2', parent: '1', name: 'c1', tags: { 'zzz-pseudoType': 'linkClass' } },
      { id: '3', parent: '2', name: 'rs', tags: objectTags('replicasets', 'r') },
      { id: '4', parent: '3', name: 'c2', tags: { 'zzz-pseudoType': 'linkClass' } },
      { id: '5', parent: '4', name: 'pod', tags: objectTags('pods', 'p') },
      { id: '6', parent: '1', name: 'c3', tags: { 'zzz-pseudoType': 'linkClass' } },
      { id: '7', parent: '6', name: 'c4', tags: { 'zzz-pseudoType': 'linkClass' } },
      { id: '8', parent: '7', name: 'rs2', tags: objectTags('replicasets', 'r2') },
    );
    extractNesting(compileStringFilter('linkClass')).run(tree, testContext());
    expect(shape(tree)).toBe('d(rs(pod),rs2)');
  });
  it('timeline: flattens every non-root object under the root', () => {
    const tree = mkTree(
      { id: '1', name: 'd', tags: objectTags('deployments', 'd') },
      { id: '2', parent: '1', name: 'rs', tags: objectTags('replicasets', 'r') },
      { id: '3', parent: '2', name: 'audit-rs', tags: { 'zzz-traceSource': 'audit' } },
      { id: '4', parent: '1', name: 'audit-d', tags: { 'zzz-traceSource': 'audit' } },
    );
    extractNesting(compileStringFilter('object')).run(tree, testContext());
    expect(shape(tree)).toBe('d(audit-d,audit-rs)');
  });
});
