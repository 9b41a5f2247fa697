import { describe, expect, it } from 'vitest';
import { id, mkTree, objectTags as objTags, testContext } from '../testing.ts';
import { objectTags } from './objectTags.ts';

describe('ObjectTagsVisitor', () => {
  it('copies the first descendant tag onto the object span and the path, not from nested objects', () => {
    const tree = mkTree(
      { id: '1', name: 'pod', tags: objTags('pods', 'p') },
      { id: '2', parent: '1', name: 'group', tags: { 'zzz-pseudoType': 'groupByTraceSource' } },
      { id: '3', parent: '2', name: 'audit', tags: { nodes: 'node-1' } },
      { id: '4', parent: '1', name: 'audit2', tags: { nodes: 'node-2' } },
      { id: '5', parent: '1', name: 'other', tags: objTags('pods', 'q') },
      { id: '6', parent: '5', name: 'a3', tags: {} },
    );
    objectTags(['nodes']).run(tree, testContext());
    expect(tree.get(id('1'))!.tags.get('nodes')).toBe('node-1');
    expect(tree.get(id('2'))!.tags.get('nodes')).toBe('node-1');
    expect(tree.get(id('5'))!.tags.has('nodes')).toBe(false);
  });
  it('keeps a tag the object span already has', () => {
    const tree = mkTree({ id: '1', tags: objTags('pods', 'p', { nodes: 'own' }) }, { id: '2', parent: '1', tags: { nodes: 'child' } });
    objectTags(['nodes']).run(tree, testContext());
    expect(tree.get(id('1'))!.tags.get('nodes')).toBe('own');
  });
});
