import { describe, expect, it } from 'vitest';
import { loadProtos } from '../proto/load.ts';
import { deploymentFamily, KelemetrySpanBuilder } from '../testing/kelemetrySpans.ts';
import { mkSpan } from '../transform/testing.ts';
import { spansFromTracesData, tracesDataFromSpans, type OtlpTracesData } from './otlp.ts';
import { decodeTracesData } from './otlpDecode.ts';
import { encodeTracesData } from './otlpEncode.ts';
import type { Span } from './span.ts';

const { responseSerialize, responseDeserialize } = loadProtos().TraceReader.service.FindTraces!;
const viaProtoLoader = (buf: Buffer) => spansFromTracesData(responseDeserialize(buf) as OtlpTracesData);

/** Spans as text (Maps as entry lists): compared as strings, a family's 1,910 spans compare quickly. */
const text = (spans: Span[]) => JSON.stringify(spans, (_k, v: unknown) => (v instanceof Map ? [...v] : v));

/** The encoder's bytes, read back by proto-loader and by our decoder, give what proto-loader's own bytes give. */
function expectSameAsProtoLoader(spans: Span[]): void {
  const ours = encodeTracesData(spans);
  const want = text(viaProtoLoader(responseSerialize(tracesDataFromSpans(spans)) as Buffer));
  expect(text(viaProtoLoader(ours))).toBe(want);
  expect(text(decodeTracesData(ours))).toBe(want);
}

describe('encodeTracesData', () => {
  it('writes what proto-loader writes from tracesDataFromSpans: every value kind, logs, warnings, parents, services', () => {
    const a = mkSpan({ id: '1', service: 'object', start: 1_735_812_000_123_456, duration: 5, tags: { k: 'v', n: 3, neg: -7, big: 2 ** 40, d: 2.5, b: true, f: false, arr: ['x', 'ÿ', ''], empty: '' } });
    const b = mkSpan({ id: '2', parent: '1', service: 'audit', logs: [{ time: 7, fields: { event: 'status.replicas 1 -> 2\n', 'zzz-logType': 'audit/objectDiff' } }, { time: 8, fields: { audit: 'x' } }, { time: 9, fields: { event: 3 } }] });
    b.warnings.push('careful', 'twice');
    const c = mkSpan({ id: '3', parent: '1', service: 'audit', tags: { 'ünïcode': '✓ 日本'.repeat(40) } });
    c.kind = 2;
    expectSameAsProtoLoader([a, b, c]);
    expect(decodeTracesData(encodeTracesData([a, b, c]))).toEqual([a, b, c]);
    expectSameAsProtoLoader([]);
  });

  it('encodes a whole family (1,910 spans, long logs) the same way', () => {
    const builder = new KelemetrySpanBuilder();
    deploymentFamily(builder, { cluster: 'c', namespace: 'ns', name: 'd', firstWindowMs: Date.parse('2025-01-02T10:00:00Z'), windows: 4, replicaSets: 10, podsPerReplicaSet: 20 });
    expect(builder.spans.length).toBe(1910);
    expectSameAsProtoLoader(builder.spans);
  });
});
