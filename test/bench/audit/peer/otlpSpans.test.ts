import { describe, expect, it } from 'vitest';
import { auditIds } from './otlpSpans.ts';

const varint = (v: number): number[] => (v < 0x80 ? [v] : [(v & 0x7f) | 0x80, ...varint(v >>> 7)]);
/** A length-delimited protobuf field. */
const field = (no: number, body: Buffer | string) => {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from([(no << 3) | 2, ...varint(b.length)]), b]);
};
const varintField = (no: number, v: number) => Buffer.from([no << 3, v]);
const fixed64Field = (no: number) => Buffer.concat([Buffer.from([(no << 3) | 1]), Buffer.alloc(8, 0xff)]);
const attribute = (key: string, value: string) => field(9, Buffer.concat([field(1, key), field(2, field(1, value))]));

describe('auditIds of an OTLP export request', () => {
  it('finds the auditId string attribute of each span, skipping other fields and spans without one', () => {
    const span = (attrs: Buffer[]) => field(2, Buffer.concat([field(1, 'trace-id-16bytes'), fixed64Field(7), varintField(6, 1), ...attrs]));
    const scopeSpans = field(2, Buffer.concat([field(1, field(1, 'audit')), span([attribute('cluster', 'bench'), attribute('auditId', 'bench-1-a')]), span([attribute('cluster', 'bench')])]));
    const request = Buffer.concat([field(1, Buffer.concat([field(1, attribute('service.name', 'audit')), scopeSpans])), field(1, field(2, field(2, attribute('auditId', 'bench-2-b'))))]);
    expect(auditIds(request)).toEqual(['bench-1-a', 'bench-2-b']);
  });
});
