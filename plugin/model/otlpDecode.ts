/**
 * Decodes a serialized OTLP `TracesData` straight into model spans: the same spans as
 * `spansFromTracesData` of the message @grpc/proto-loader would decode (otlp.ts), without building
 * that intermediate object tree. Reading storage is the plugin's hottest path (every followed object is
 * one FindTraces stream), and proto-loader's decode plus toObject cost more than the rest of a search.
 */
import { eventField, serviceNameAttr, warningsAttr } from './otlp.ts';
import type { AttrValue, Span, SpanLog } from './span.ts';

/** A protobuf wire-format reader over one message's bytes. */
class Wire {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    public end = buf.length,
  ) {
    this.pos = start;
  }

  get more(): boolean {
    return this.pos < this.end;
  }

  /** A varint's low 32 bits (unsigned); the high bits are read and dropped. */
  uint32(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.buf[this.pos++]!;
      if (shift < 32) result |= (b & 0x7f) << shift;
      if (b < 0x80) return result >>> 0;
      if (this.pos >= this.end) throw new Error('truncated varint');
    }
  }

  /** A signed 64-bit varint as the nearest double (as Number() of its decimal string would give). */
  int64(): number {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return Number(BigInt.asIntN(64, v));
      if (this.pos >= this.end) throw new Error('truncated varint');
    }
  }

  /** A fixed64 nanosecond time as whole µs (floor), exact for any time before 2262. */
  nanosAsMicros(): number {
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    // hi·2³² = hi·4294967·1000 + hi·296, so the division by 1000 splits into two exact parts.
    if (hi < 0x80000000) return hi * 4294967 + Math.floor((hi * 296 + lo) / 1000);
    return Number(((BigInt(hi) << 32n) | BigInt(lo)) / 1000n);
  }

  double(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field: returns its [start, end). */
  span(): [number, number] {
    const len = this.uint32();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.end) throw new Error('truncated field');
    return [start, this.pos];
  }

  string(): string {
    const [s, e] = this.span();
    return this.buf.toString('utf8', s, e);
  }

  hex(): string {
    const [s, e] = this.span();
    return this.buf.toString('hex', s, e);
  }

  /** A short ASCII string seen before (attribute keys repeat on every span), else a fresh decode. */
  key(): string {
    const [s, e] = this.span();
    return e - s <= maxInternedKey ? internedKey(this.buf, s, e) : this.buf.toString('utf8', s, e);
  }

  /** Narrows the reader to the next length-delimited field, in place; returns the end for leave(). */
  enter(): number {
    const len = this.uint32();
    const outer = this.end;
    const end = this.pos + len;
    if (end > outer) throw new Error('truncated field');
    this.end = end;
    return outer;
  }

  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  sub(): Wire {
    const [s, e] = this.span();
    return new Wire(this.buf, s, e);
  }

  skip(wireType: number): void {
    if (wireType === 0) this.uint32();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.span();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

const maxInternedKey = 48;
const internedKeys = new Map<number, string>();

function internedKey(buf: Buffer, s: number, e: number): string {
  let h = e - s;
  for (let i = s; i < e; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
  const known = internedKeys.get(h);
  if (known !== undefined && known.length === e - s) {
    let same = true;
    for (let i = 0; same && i < known.length; i++) same = known.charCodeAt(i) === buf[s + i];
    if (same) return known;
  }
  const str = buf.toString('utf8', s, e);
  // Only ASCII keys compare char by byte; a bounded table keeps odd key sets from growing it.
  if (str.length === e - s && internedKeys.size < 4096) internedKeys.set(h, str);
  return str;
}

/** AnyValue, converted the way otlp.ts's fromAny converts proto-loader's object. */
function anyValue(w: Wire): AttrValue {
  let value: AttrValue = '';
  while (w.more) {
    const tag = w.uint32();
    const field = tag >>> 3;
    if (field === 1) value = w.string();
    else if (field === 2) value = w.uint32() !== 0;
    else if (field === 3) value = w.int64();
    else if (field === 4) value = w.double();
    else if (field === 5) value = repeated(w.sub(), 1, (x) => String(anyValue(x)));
    else if (field === 6) value = JSON.stringify(Object.fromEntries(repeated(w.sub(), 1, keyValue)));
    else if (field === 7) {
      const [s, e] = w.span();
      value = w.buf.toString('base64', s, e);
    } else w.skip(tag & 7);
  }
  return value;
}

function keyValue(w: Wire): [string, AttrValue] {
  let key = '';
  let value: AttrValue = '';
  while (w.more) {
    const tag = w.uint32();
    if (tag === 0x0a) key = w.key();
    else if (tag === 0x12) {
      const outer = w.enter();
      value = anyValue(w);
      w.leave(outer);
    } else w.skip(tag & 7);
  }
  return [key, value];
}

/** The next KeyValue field, decoded in place into `into`. */
function keyValueInto(w: Wire, into: Map<string, AttrValue>): void {
  const outer = w.enter();
  const [k, v] = keyValue(w);
  w.leave(outer);
  into.set(k, v);
}

/** The `field` entries of a message, each decoded by `fn`; other fields skipped. */
function repeated<T>(w: Wire, field: number, fn: (w: Wire) => T): T[] {
  const out: T[] = [];
  while (w.more) {
    const tag = w.uint32();
    if (tag === ((field << 3) | 2)) out.push(fn(w.sub()));
    else w.skip(tag & 7);
  }
  return out;
}

function event(w: Wire): SpanLog {
  let timeUs = 0;
  let name = '';
  const attrs = new Map<string, AttrValue>();
  while (w.more) {
    const tag = w.uint32();
    if (tag === 0x09) timeUs = w.nanosAsMicros();
    else if (tag === 0x12) name = w.string();
    else if (tag === 0x1a) keyValueInto(w, attrs);
    else w.skip(tag & 7);
  }
  const fields = new Map<string, AttrValue>();
  if (name) fields.set(eventField, name);
  for (const [k, v] of attrs) fields.set(k, v);
  return { timeUs, fields };
}

/** `skip`: trace IDs not wanted; a span of one is passed over undecoded (undefined) when its trace ID comes first, as writers put it. */
function span(w: Wire, service: string, skip?: ReadonlySet<string>): Span | undefined {
  let traceId = '';
  let spanId = '';
  let parentId = '';
  let name = '';
  let kind = 0;
  let startUs = 0;
  let endUs = 0;
  const tags = new Map<string, AttrValue>();
  const logs: SpanLog[] = [];
  if (skip?.size && w.buf[w.pos] === 0x0a) {
    traceId = (w.uint32(), w.hex());
    if (skip.has(traceId)) return undefined;
  }
  while (w.more) {
    const tag = w.uint32();
    if (tag === 0x0a) traceId = w.hex();
    else if (tag === 0x12) spanId = w.hex();
    else if (tag === 0x22) parentId = w.hex();
    else if (tag === 0x2a) name = w.string();
    else if (tag === 0x30) kind = w.uint32() | 0;
    else if (tag === 0x39) startUs = w.nanosAsMicros();
    else if (tag === 0x41) endUs = w.nanosAsMicros();
    else if (tag === 0x4a) keyValueInto(w, tags);
    else if (tag === 0x5a) logs.push(event(w.sub()));
    else w.skip(tag & 7);
  }
  const warnings = tags.get(warningsAttr);
  tags.delete(warningsAttr);
  return {
    traceId,
    spanId,
    ...(parentId ? { parentId } : {}),
    name,
    service,
    kind,
    startUs,
    durationUs: Math.max(0, endUs - startUs),
    tags,
    logs,
    warnings: warnings === undefined ? [] : Array.isArray(warnings) ? warnings : [String(warnings)],
  };
}

/** The spans of one ResourceSpans (its resource may follow its spans on the wire). */
function resourceSpans(w: Wire, out: Span[], skip?: ReadonlySet<string>): void {
  let service = '';
  const scopes: Wire[] = [];
  while (w.more) {
    const tag = w.uint32();
    if (tag === 0x0a) {
      const attrs = new Map(repeated(w.sub(), 1, keyValue));
      service = String(attrs.get(serviceNameAttr) ?? '');
    } else if (tag === 0x12) scopes.push(w.sub());
    else w.skip(tag & 7);
  }
  for (const scope of scopes) for (const s of repeated(scope, 2, (x) => span(x, service, skip))) if (s) out.push(s);
}

/** Every span of a serialized TracesData message, in message order; `skip`: trace IDs to leave out. */
export function decodeTracesData(buf: Buffer, skip?: ReadonlySet<string>): Span[] {
  const out: Span[] = [];
  const w = new Wire(buf);
  while (w.more) {
    const tag = w.uint32();
    if (tag === 0x0a) resourceSpans(w.sub(), out, skip);
    else w.skip(tag & 7);
  }
  return out;
}
