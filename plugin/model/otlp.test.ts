import { describe, expect, it } from 'vitest';
import { mkSpan } from '../transform/testing.ts';
import { nsToUs, spansFromTracesData, tracesDataFromSpans, usToNs } from './otlp.ts';

describe('OTLP mapping', () => {
  it('round-trips spans: service per resource, event name as the `event` field, warnings attribute', () => {
    const a = mkSpan({ id: '1', service: 'object', start: 1_735_812_000_123_456, duration: 5, tags: { k: 'v', n: 3, b: true, arr: ['x', 'y'] } });
    const b = mkSpan({ id: '2', parent: '1', service: 'audit', logs: [{ time: 7, fields: { event: 'status.replicas 1 -> 2\n', 'zzz-logType': 'audit/objectDiff' } }, { time: 8, fields: { audit: 'x' } }] });
    b.warnings.push('careful');
    const td = tracesDataFromSpans([a, b]);
    expect(td.resource_spans).toHaveLength(2);
    expect(td.resource_spans![1]!.scope_spans![0]!.spans![0]!.events![0]!.name).toBe('status.replicas 1 -> 2\n');
    const direct = spansFromTracesData(td);
    expect(direct).toEqual([a, b]);
  });
  it('converts times between ns strings and µs exactly', () => {
    expect(usToNs(1_735_812_000_123_456)).toBe('1735812000123456000');
    expect(nsToUs('1735812000123456789')).toBe(1_735_812_000_123_456);
    expect(nsToUs('0')).toBe(0);
  });
});
