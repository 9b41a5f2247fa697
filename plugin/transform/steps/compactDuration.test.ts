import { describe, expect, it } from 'vitest';
import { id, mkTree, objectTags, testContext } from '../testing.ts';
import { compactDuration } from './compactDuration.ts';

describe('CompactDurationVisitor', () => {
  it('shrinks pseudo spans to their children and 1 s log ticks, padding the root by 5 %', () => {
    const tree = mkTree(
      { id: '1', name: 'd', start: 0, duration: 1_800_000_000, tags: objectTags('deployments', 'd'), logs: [{ time: 100_000_000, fields: {} }] },
      { id: '2', parent: '1', name: 'rs', start: 0, duration: 1_800_000_000, tags: objectTags('replicasets', 'r'), logs: [{ time: 120_000_000, fields: {} }, { time: 150_000_000, fields: {} }] },
      { id: '3', parent: '1', name: 'real', start: 50_000_000, duration: 1_000_000, tags: { 'zzz-traceSource': 'audit' } },
      { id: '4', parent: '1', name: 'empty', start: 7, duration: 9, tags: objectTags('pods', 'p') },
    );
    compactDuration.run(tree, testContext());
    const rs = tree.get(id('2'))!;
    expect([rs.startUs, rs.durationUs]).toEqual([120_000_000, 31_000_000]);
    expect([tree.get(id('4'))!.startUs, tree.get(id('4'))!.durationUs]).toEqual([7, 9]);
    const root = tree.get(id('1'))!;
    // children and logs cover [7 µs, 151 s]; 5 % of that on each side
    const span = 151_000_000 - 7;
    const pad = Math.floor(span / 20);
    expect([root.startUs, root.durationUs]).toEqual([7 - pad, span + 2 * pad]);
  });
});
