import { describe, expect, it } from 'vitest';
import { dropDuplicateSpans } from './dedupe.ts';
import type { Span } from './span.ts';

function span(spanId: string, parentId?: string): Span {
  return { traceId: 'a'.repeat(32), spanId, ...(parentId ? { parentId } : {}), name: spanId, service: 'audit', kind: 0, startUs: 0, durationUs: 1, tags: new Map(), logs: [], warnings: [] };
}

describe('dropDuplicateSpans', () => {
  it('keeps the first span of each ID, in order, and counts the copies', () => {
    const root = span('0000000000000001');
    const audit = span('00000000000000aa', root.spanId);
    const copy = span('00000000000000aa', root.spanId);
    const { spans, duplicates } = dropDuplicateSpans([root, audit, copy, audit]);
    expect(spans).toEqual([root, audit]);
    expect(spans[1]).toBe(audit);
    expect(duplicates).toBe(2);
  });

  it('leaves a trace without duplicates as it is', () => {
    const input = [span('0000000000000001'), span('0000000000000002', '0000000000000001')];
    expect(dropDuplicateSpans(input)).toEqual({ spans: input, duplicates: 0 });
  });
});
