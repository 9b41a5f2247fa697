/**
 * Reads the `auditId` attribute of every span in an OTLP ExportTraceServiceRequest, walking the protobuf
 * wire format directly: the receiver only needs this one attribute, and must keep up with two exporters.
 *
 * Path: request.resource_spans(1) → scope_spans(2) → spans(2) → attributes(9) → KeyValue{key(1), value(2)} →
 * AnyValue.string_value(1).
 */

interface Field {
  no: number;
  /** Set for length-delimited fields. */
  body?: Buffer;
}

function varint(buf: Buffer, at: { pos: number }): number {
  let result = 0;
  for (let shift = 0; ; shift += 7) {
    const b = buf[at.pos++];
    if (b === undefined) throw new Error('truncated protobuf varint');
    // Past 2^53 precision is lost, but only lengths and tags are used, which are small.
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return result;
  }
}

function* fields(buf: Buffer): Generator<Field> {
  const at = { pos: 0 };
  while (at.pos < buf.length) {
    const tag = varint(buf, at);
    const no = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (wireType === 0) varint(buf, at);
    else if (wireType === 1) at.pos += 8;
    else if (wireType === 5) at.pos += 4;
    else if (wireType === 2) {
      const len = varint(buf, at);
      yield { no, body: buf.subarray(at.pos, at.pos + len) };
      at.pos += len;
      continue;
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
    yield { no };
  }
}

/** The length-delimited fields numbered `no`. */
function* children(buf: Buffer, no: number): Generator<Buffer> {
  for (const f of fields(buf)) if (f.no === no && f.body) yield f.body;
}

function stringAttribute(span: Buffer, key: string): string | undefined {
  for (const kv of children(span, 9)) {
    let k: string | undefined;
    let value: Buffer | undefined;
    for (const f of fields(kv)) {
      if (f.no === 1 && f.body) k = f.body.toString('utf8');
      else if (f.no === 2) value = f.body;
    }
    if (k !== key || !value) continue;
    for (const s of children(value, 1)) return s.toString('utf8');
  }
  return undefined;
}

/** The auditId of each span that has one, in the order they appear. */
export function auditIds(request: Buffer): string[] {
  const ids: string[] = [];
  for (const rs of children(request, 1)) {
    for (const ss of children(rs, 2)) {
      for (const span of children(ss, 2)) {
        const id = stringAttribute(span, 'auditId');
        if (id !== undefined) ids.push(id);
      }
    }
  }
  return ids;
}
