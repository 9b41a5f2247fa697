import { describe, expect, it } from 'vitest';
import { matchAll } from '../stringFilter.ts';
import { id, mkTree, objectTags, shape, testContext } from '../testing.ts';
import { collapseNesting, diffClassifier, type CollapseNestingConfig } from './collapseNesting.ts';

const config: CollapseNestingConfig = {
  shouldCollapse: matchAll,
  tagMappings: { audit: [{ fromSpanTag: 'userAgent', toLogField: 'userAgent' }], event: [{ fromSpanTag: 'action', toLogField: 'action' }] },
  auditDiffClasses: {
    default: { shouldDisplay: true, name: 'diff', priority: 0 },
    fields: [
      { paths: ['metadata.resourceVersion', 'metadata.generation'], class: { shouldDisplay: true, name: 'verbose diff', priority: 10 } },
      { paths: ['metadata.managedFields'], class: { shouldDisplay: false, name: '', priority: 0 } },
    ],
  },
  logTypeMapping: { 'event/message': 'message', 'audit/objectSnapshot': 'snapshot', realVerbose: '' },
};

describe('CollapseNestingVisitor', () => {
  it('classifies diff paths by stripping indexes and segments', () => {
    const classify = diffClassifier(config.auditDiffClasses);
    expect(classify('metadata.managedFields[0].time').shouldDisplay).toBe(false);
    expect(classify('metadata.resourceVersion').name).toBe('verbose diff');
    expect(classify('status.observedGeneration').name).toBe('diff');
  });

  it('turns audit and event spans into logs of the object span, in order', () => {
    const diff = ['status.observedGeneration 1 -> 2', 'metadata.resourceVersion "10" -> "11"', 'metadata.managedFields[0].time "a" -> "b"', 'bad', ''].join('\n');
    const tree = mkTree(
      { id: '1', name: 'd', tags: objectTags('deployments', 'd') },
      {
        id: '2', parent: '1', name: 'kwok-admin update status', start: 20, tags: { 'zzz-traceSource': 'audit', userAgent: 'kcm', sourceIP: '' },
        logs: [{ time: 20, fields: { event: diff, 'zzz-logType': 'audit/objectDiff' } }, { time: 20, fields: { event: 'No-op update', 'zzz-logType': 'realVerbose' } }],
      },
      { id: '3', parent: '1', name: 'ScalingReplicaSet', start: 10, tags: { 'zzz-traceSource': 'event', action: '' }, logs: [{ time: 10, fields: { event: 'Scaled up', 'zzz-logType': 'event/message' } }] },
      { id: '4', parent: '1', name: 'child-object', tags: objectTags('replicasets', 'r') },
      { id: '5', parent: '4', name: 'kwok-admin delete', start: 30, tags: { 'zzz-traceSource': 'audit' }, logs: [{ time: 30, fields: { event: '{"metadata":{"name":"r"}}', 'zzz-logType': 'audit/objectSnapshot' } }, { time: 30, fields: { event: 'x', 'zzz-logType': 'kelemetryError' } }] },
    );
    collapseNesting(config).run(tree, testContext());
    expect(shape(tree)).toBe('d(child-object)');
    const root = tree.get(id('1'))!;
    expect(root.logs.map((l) => Object.fromEntries(l.fields))).toEqual([
      { 'zzz-traceSource': 'event', event: 'ScalingReplicaSet', message: 'Scaled up' },
      { 'zzz-traceSource': 'audit', audit: 'kwok-admin update status', userAgent: 'kcm', diff: 'status.observedGeneration 1 -> 2', 'verbose diff': 'metadata.resourceVersion "10" -> "11"', '': 'No-op update' },
    ]);
    expect([...root.logs[1]!.fields.keys()].slice(0, 2)).toEqual(['zzz-traceSource', 'audit']);
    expect(Object.fromEntries(tree.get(id('4'))!.logs[0]!.fields)).toEqual({ 'zzz-traceSource': 'audit', audit: 'kwok-admin delete', snapshot: '{"metadata":{"name":"r"}}' });
  });

  it('only collapses the trace sources shouldCollapse admits', () => {
    const tree = mkTree({ id: '1', name: 'd', tags: objectTags('deployments', 'd') }, { id: '2', parent: '1', name: 'e', tags: { 'zzz-traceSource': 'event' } });
    collapseNesting({ ...config, shouldCollapse: (s) => s === 'audit' }).run(tree, testContext());
    expect(shape(tree)).toBe('d(e)');
  });
});
