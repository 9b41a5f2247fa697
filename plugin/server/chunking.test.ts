import { describe, expect, it } from 'vitest';
import type { OtlpTracesData } from '../model/otlp.ts';
import { loadProtos } from '../proto/load.ts';
import { mkSpan } from '../transform/testing.ts';
import { chunkTrace } from './chunking.ts';

/** A chunk as Jaeger's client reads it. */
const { responseDeserialize } = loadProtos().TraceReader.service.FindTraces!;
const read = (chunk: Buffer) => responseDeserialize(chunk) as OtlpTracesData;

describe('chunking', () => {
  const spans = Array.from({ length: 25 }, (_, i) => mkSpan({ id: String(i + 1), service: i % 2 ? 'a' : 'b', tags: { k: 'x'.repeat(100) } }));
  it('cuts by span count, never empty, keeps every span once', () => {
    const chunks = chunkTrace(spans, 10, 1 << 30).map(read);
    expect(chunks).toHaveLength(3);
    const counts = chunks.map((c) => c.resource_spans!.reduce((n, rs) => n + rs.scope_spans![0]!.spans!.length, 0));
    expect(counts).toEqual([10, 10, 5]);
    // The first resource of every chunk has a span (Jaeger reads the trace ID from it).
    for (const c of chunks) expect(c.resource_spans![0]!.scope_spans![0]!.spans!.length).toBeGreaterThan(0);
  });
  it('cuts by estimated bytes, and a single oversized span still gets its own chunk', () => {
    expect(chunkTrace(spans, 1000, 500).length).toBeGreaterThan(5);
    expect(chunkTrace(spans.slice(0, 1), 1000, 1)).toHaveLength(1);
    expect(chunkTrace([], 10, 10)).toEqual([]);
  });
});
