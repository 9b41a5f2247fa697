import { describe, expect, it } from 'vitest';
import { compileStringFilter } from '../stringFilter.ts';
import { id, mkTree, objectTags, shape, testContext } from '../testing.ts';
import { groupByTraceSource } from './groupByTraceSource.ts';

describe('GroupByTraceSourceVisitor', () => {
  it('moves audit logs into an audit child span and keeps event logs', () => {
    const tree = mkTree({
      id: '1', name: 'd', start: 5, duration: 10, tags: objectTags('deployments', 'd'),
      logs: [
        { time: 6, fields: { 'zzz-traceSource': 'audit', audit: 'a1' } },
        { time: 7, fields: { 'zzz-traceSource': 'event', event: 'e1' } },
        { time: 8, fields: { 'zzz-traceSource': 'audit', audit: 'a2' } },
        { time: 9, fields: { other: 'x' } },
      ],
    });
    groupByTraceSource(compileStringFilter({ oneOf: ['event'], then: false })).run(tree, testContext());
    expect(shape(tree)).toBe('d(audit)');
    const root = tree.get(id('1'))!;
    expect(root.logs.map((l) => l.timeUs)).toEqual([7, 9]);
    const group = tree.children(root.spanId)[0]!;
    expect([group.service, group.startUs, group.durationUs, group.tags.get('zzz-pseudoType')]).toEqual(['audit', 5, 10, 'groupByTraceSource']);
    expect(group.logs.map((l) => l.fields.get('audit'))).toEqual(['a1', 'a2']);
  });
});
