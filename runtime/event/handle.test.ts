import { describe, expect, it } from 'vitest';
import { eventSpan, eventTime, occurrenceKey } from './handle.ts';

describe('event handling', () => {
  it('picks the occurrence time and identifies count bumps as new occurrences', () => {
    const ev = { metadata: { uid: 'u1', name: 'demo.1', namespace: 'default' }, count: 1, lastTimestamp: '2025-01-02T10:00:00Z', eventTime: null };
    expect(eventTime(ev)).toEqual({ ms: Date.parse('2025-01-02T10:00:00Z'), type: 'LastTimestamp' });
    expect(eventTime({ eventTime: '2025-01-02T10:00:00.123456Z' }).type).toBe('EventTime');
    expect(eventTime({}).type).toBe('');
    expect(occurrenceKey(ev)).toBe('u1#1');
    expect(occurrenceKey({ ...ev, count: 2 })).toBe('u1#2');
    expect(occurrenceKey({ ...ev, metadata: { ...ev.metadata, resourceVersion: '9' } })).toBe('u1#1');
  });

  it('builds the span of spec 6: reason as title, source/action tags, message log', () => {
    const span = eventSpan({ reason: 'ScalingReplicaSet', message: 'Scaled up replica set demo-1 to 2', source: { component: 'deployment-controller' }, action: '' }, 5000);
    expect(span).toEqual({
      title: 'ScalingReplicaSet',
      traceSource: 'event',
      startMs: 5000,
      tags: { source: 'deployment-controller', action: '' },
      logs: [{ type: 'event/message', message: 'Scaled up replica set demo-1 to 2' }],
    });
  });
});
