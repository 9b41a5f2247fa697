import { describe, expect, it } from 'vitest';
import { mkSpan, mkTree, id, shape } from '../transform/testing.ts';
import { SpanTree } from './tree.ts';

describe('span tree', () => {
  it('finds the root, reports orphans, and supports add/move/delete/graft', () => {
    const { tree, orphans } = SpanTree.fromSpans([mkSpan({ id: '2', parent: '1', name: 'b' }), mkSpan({ id: '1', name: 'a' }), mkSpan({ id: '9', parent: '8', name: 'lost' })]);
    expect(tree.rootId).toBe(id('1'));
    // A span whose parent is missing is a root candidate too; the one without any parent ID wins.
    expect(orphans.map((s) => s.name)).toEqual(['lost']);
    tree.add(mkSpan({ id: '3', name: 'c' }), id('2'));
    tree.move(id('3'), id('1'));
    expect(shape(tree)).toBe('a(b,c)');
    const other = mkTree({ id: '10', name: 'x' }, { id: '11', parent: '10', name: 'y' });
    tree.graft(other, id('3'));
    expect(shape(tree)).toBe('a(b,c(x(y)))');
    tree.delete(id('3'));
    expect(shape(tree)).toBe('a(b)');
    expect(tree.size).toBe(2);
    expect(() => tree.delete(id('1'))).toThrow(/root/);
  });
  it('visits spans added during the visit and does not exit deleted ones', () => {
    const tree = mkTree({ id: '1', name: 'a' }, { id: '2', parent: '1', name: 'b' });
    const entered: string[] = [];
    const exited: string[] = [];
    tree.visit({
      enter(t, s) {
        entered.push(s.name);
        if (s.name === 'a') t.add(mkSpan({ id: '3', name: 'late' }), s.spanId);
        if (s.name === 'b') t.delete(s.spanId);
      },
      exit(_t, s) {
        exited.push(s.name);
      },
    });
    expect(entered).toEqual(['a', 'b', 'late']);
    expect(exited).toEqual(['late', 'a']);
  });
});
