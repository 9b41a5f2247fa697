import { describe, expect, it } from 'vitest';
import { loadProtos } from '../proto/load.ts';
import { mkSpan } from '../transform/testing.ts';
import { spansFromTracesData, tracesDataFromSpans, type OtlpTracesData } from './otlp.ts';
import { decodeTracesData } from './otlpDecode.ts';

/** proto-loader's serializer and deserializer of the TracesData that FindTraces streams. */
const { responseSerialize, responseDeserialize } = loadProtos().TraceReader.service.FindTraces!;
const encode = (td: OtlpTracesData) => responseSerialize(td) as Buffer;
const viaProtoLoader = (buf: Buffer) => spansFromTracesData(responseDeserialize(buf) as OtlpTracesData);

describe('decodeTracesData', () => {
  it('gives the spans proto-loader plus spansFromTracesData give: services, tags, logs, warnings, parents', () => {
    const a = mkSpan({ id: '1', service: 'object', start: 1_735_812_000_123_456, duration: 5, tags: { k: 'v', n: 3, neg: -7, d: 2.5, b: true, f: false, arr: ['x', 'y'] } });
    const b = mkSpan({ id: '2', parent: '1', service: 'audit', logs: [{ time: 7, fields: { event: 'status.replicas 1 -> 2\n', 'zzz-logType': 'audit/objectDiff' } }, { time: 8, fields: { audit: 'x' } }] });
    b.warnings.push('careful', 'twice');
    const c = mkSpan({ id: '3', parent: '1', service: 'audit', tags: { 'ünïcode': '✓ 日本' } });
    const buf = encode(tracesDataFromSpans([a, b, c]));
    expect(decodeTracesData(buf)).toEqual(viaProtoLoader(buf));
    expect(decodeTracesData(buf)).toEqual([a, b, c]);
  });

  it('reuses attribute keys it has seen without mixing up keys that hash or measure alike', () => {
    // 'Aa' and 'BB' have the same 31-based hash; 'ab'/'ba' the same length; 'é' is two bytes.
    const spans = [1, 2].map((n) => mkSpan({ id: String(n), service: 'audit', tags: { Aa: 'a', BB: 'b', ab: 'c', ba: 'd', é: 'e', ée: 'f', [`k${n}`]: n } }));
    const buf = encode(tracesDataFromSpans(spans));
    for (let round = 0; round < 2; round++) expect(decodeTracesData(buf)).toEqual(spans);
  });

  it('converts every AnyValue kind, empty values, late resources, unknown fields and large times alike', () => {
    const id = (n: number, len: number) => Buffer.alloc(len, n);
    const td = {
      resource_spans: [
        {
          scope_spans: [
            {
              scope: { name: 'ignored', attributes: [{ key: 'x', value: { string_value: 'y' } }] },
              spans: [
                {
                  trace_id: id(1, 16),
                  span_id: id(2, 8),
                  parent_span_id: Buffer.alloc(0),
                  trace_state: 'ts',
                  flags: 1,
                  name: 'n',
                  kind: 2,
                  start_time_unix_nano: '18446744073709551615',
                  end_time_unix_nano: '999',
                  attributes: [
                    { key: 'kv', value: { kvlist_value: { values: [{ key: 'a', value: { int_value: '-9007199254740993' } }, { key: 'b', value: { array_value: { values: [{ bool_value: true }, { double_value: 0.1 }] } } }] } } },
                    { key: 'bytes', value: { bytes_value: Buffer.from('hi') } },
                    { key: 'empty', value: {} },
                    { key: 'none' },
                    { key: 'dup', value: { string_value: 'first' } },
                    { key: 'dup', value: { string_value: 'second' } },
                    { key: '@jaeger@warnings', value: { string_value: 'single warning' } },
                  ],
                  events: [{ time_unix_nano: '1735812000123456789', name: '', attributes: [{ key: 'event', value: { string_value: 'from attr' } }] }],
                  status: { code: 2, message: 'err' },
                  links: [{ trace_id: id(3, 16), span_id: id(4, 8) }],
                },
              ],
            },
          ],
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'late' } }] },
        },
        { scope_spans: [{ spans: [{ trace_id: id(5, 16), span_id: id(6, 8), start_time_unix_nano: '5', end_time_unix_nano: '1' }] }] },
      ],
    };
    const buf = encode(td as unknown as OtlpTracesData);
    const spans = decodeTracesData(buf);
    expect(spans).toEqual(viaProtoLoader(buf));
    expect(spans).toHaveLength(2);
    expect(spans[0]!.service).toBe('late');
    expect(spans[0]!.warnings).toEqual(['single warning']);
  });

  it('leaves out the spans of the trace IDs to skip', () => {
    const a = mkSpan({ id: '1', service: 'object' });
    const b = { ...mkSpan({ id: '2', service: 'audit' }), traceId: 'ab'.repeat(16) };
    const buf = encode(tracesDataFromSpans([a, b]));
    expect(decodeTracesData(buf, new Set([a.traceId]))).toEqual([b]);
    expect(decodeTracesData(buf, new Set())).toEqual([a, b]);
  });

  it('decodes nothing from an empty message', () => {
    expect(decodeTracesData(Buffer.alloc(0))).toEqual([]);
  });
});
