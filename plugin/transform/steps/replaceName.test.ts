import { describe, expect, it } from 'vitest';
import { id, mkTree, testContext } from '../testing.ts';
import { replaceName } from './replaceName.ts';

describe('ReplaceNameVisitor', () => {
  it('renames spans carrying zzz-kelemetryName and leaves others', () => {
    const tree = mkTree({ id: '1', name: 'a', tags: { 'zzz-kelemetryName': 'better' } }, { id: '2', parent: '1', name: 'b' });
    replaceName.run(tree, testContext());
    expect(tree.get(id('1'))!.name).toBe('better');
    expect(tree.get(id('2'))!.name).toBe('b');
  });
});
