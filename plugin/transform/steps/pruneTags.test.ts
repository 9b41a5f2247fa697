import { describe, expect, it } from 'vitest';
import { id, mkTree, testContext } from '../testing.ts';
import { pruneTags } from './pruneTags.ts';

describe('PruneTagsVisitor', () => {
  it('drops zzz- tags and log fields and suffixes the root name with its clock range', () => {
    const start = Date.parse('2025-01-02T10:00:05Z') * 1000;
    const tree = mkTree(
      { id: '1', name: 'demo', start, duration: 65_000_000, tags: { 'zzz-pseudoType': 'object', name: 'demo' }, logs: [{ time: start, fields: { 'zzz-traceSource': 'audit', audit: 'x' } }] },
      { id: '2', parent: '1', name: 'rs', tags: { 'zzz-traceSource': 'object', resource: 'replicasets' } },
    );
    pruneTags.run(tree, testContext());
    const root = tree.get(id('1'))!;
    expect(root.name).toBe('demo / 10:00:05..10:01:10');
    expect([...root.tags.keys()]).toEqual(['name']);
    expect([...root.logs[0]!.fields.keys()]).toEqual(['audit']);
    expect(tree.get(id('2'))!.name).toBe('rs');
    expect([...tree.get(id('2'))!.tags.keys()]).toEqual(['resource']);
  });
});
