import { describe, expect, it } from 'vitest';
import type { JaegerTraceJson } from './jaegerJson.ts';
import { formatDurationUs, spanLogLines, traceBounds, traceForest } from './traceModel.ts';

const t0 = Date.parse('2026-11-25T10:00:00Z') * 1000;
const span = (id: string, start: number, dur: number, parent?: string, name = id) => ({
  traceID: 't', spanID: id, operationName: name, startTime: t0 + start, duration: dur, processID: 'p1',
  ...(parent ? { references: [{ refType: 'CHILD_OF', traceID: 't', spanID: parent }] } : {}),
});

describe('trace model', () => {
  const trace: JaegerTraceJson = {
    traceID: 't', processes: { p1: { serviceName: 'pods' } },
    spans: [span('c', 5, 1, 'a'), span('a', 0, 10), span('b', 2, 1, 'a'), span('orphan', 3, 1, 'gone')],
  };

  it('nests spans under their parents in start order; a span whose parent is missing is a root', () => {
    const roots = traceForest(trace);
    expect(roots.map((r) => r.span.spanID)).toEqual(['a', 'orphan']);
    expect(roots[0]!.children.map((c) => c.span.spanID)).toEqual(['b', 'c']);
  });

  it('spans the trace from first start to last end', () => {
    expect(traceBounds(trace)).toEqual({ startUs: t0, endUs: t0 + 10, totalUs: 10 });
    expect(traceBounds({ ...trace, spans: [] })).toBeUndefined();
  });

  it('splits multi-line fields and leaves out internal ones', () => {
    const s = { ...span('a', 0, 1), logs: [{ timestamp: t0, fields: [{ key: 'diff', value: 'a 1 -> 2\n\nb 3 -> 4' }, { key: 'zzz-x', value: 'hidden' }] }] };
    expect(spanLogLines(s)).toEqual([
      { time: '10:00:00.000', key: 'diff', line: 'a 1 -> 2' },
      { time: '', key: '', line: 'b 3 -> 4' },
    ]);
  });

  it('formats durations for people', () => {
    expect(formatDurationUs(1500)).toBe('2ms');
    expect(formatDurationUs(12_300_000)).toBe('12.3s');
    expect(formatDurationUs(125_000_000)).toBe('2m05s');
  });
});
