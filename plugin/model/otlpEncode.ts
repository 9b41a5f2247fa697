/**
 * Encodes model spans straight into a serialized OTLP `TracesData`: the message proto-loader would
 * serialize from `tracesDataFromSpans` (otlp.ts), without building that object tree first. Every
 * rendered trace the plugin returns goes through here, and proto-loader's fromObject plus encode cost
 * as much as the rest of a cached GetTraces. Two passes: the first measures every nested message
 * (lengths kept in pre-order), the second writes into one buffer of the exact size.
 */
import { eventField, serviceNameAttr, warningsAttr } from './otlp.ts';
import type { AttrValue, Span } from './span.ts';

const LEN = 2;
const I64 = 1;
const VARINT = 0;
const two32 = 2 ** 32;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Bytes of a length-delimited field (tag below field 16) with `len` bytes of content. */
const delimited = (len: number) => 1 + varintSize(len) + len;

class TracesDataEncoder {
  /** Content lengths of strings and nested messages, in the order the write pass meets them. */
  private readonly lens: number[] = [];
  private at = 0;
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  encode(spans: Span[]): Buffer {
    const byService = new Map<string, Span[]>();
    for (const s of spans) {
      const list = byService.get(s.service);
      if (list) list.push(s);
      else byService.set(s.service, [s]);
    }
    let total = 0;
    for (const [service, list] of byService) total += delimited(this.sizeResourceSpans(service, list));
    this.buf = Buffer.allocUnsafe(total);
    for (const [service, list] of byService) {
      this.open(1);
      this.writeResourceSpans(service, list);
    }
    if (this.pos !== total) throw new Error(`OTLP encoder wrote ${this.pos} bytes of ${total}`);
    return this.buf;
  }

  // Measure pass: each size* returns a message's content length and records it before its children.

  private reserve(): number {
    return this.lens.push(0) - 1;
  }

  private sizeString(s: string): number {
    const n = Buffer.byteLength(s);
    this.lens.push(n);
    return delimited(n);
  }

  private sizeAny(v: AttrValue): number {
    if (typeof v === 'string') return this.sizeString(v);
    if (typeof v === 'boolean') return 2;
    if (typeof v === 'number') return Number.isInteger(v) ? 1 + (v < 0 ? 10 : varintSize(v)) : 9;
    const i = this.reserve();
    let n = 0;
    for (const s of v) {
      const j = this.reserve();
      this.lens[j] = this.sizeString(s);
      n += delimited(this.lens[j]!);
    }
    this.lens[i] = n;
    return delimited(n);
  }

  private sizeKeyValue(key: string, value: AttrValue): number {
    const i = this.reserve();
    const k = this.sizeString(key);
    const j = this.reserve();
    this.lens[j] = this.sizeAny(value);
    this.lens[i] = k + delimited(this.lens[j]!);
    return delimited(this.lens[i]!);
  }

  private sizeSpan(s: Span): number {
    const i = this.reserve();
    let n = 18 + 10 + (s.parentId ? 10 : 0) + this.sizeString(s.name) + (s.kind ? 1 + varintSize(s.kind) : 0) + 18;
    for (const [k, v] of s.tags) n += this.sizeKeyValue(k, v);
    if (s.warnings.length) n += this.sizeKeyValue(warningsAttr, s.warnings);
    for (const l of s.logs) {
      const j = this.reserve();
      const name = l.fields.get(eventField);
      let e = 9 + (typeof name === 'string' && name ? this.sizeString(name) : 0);
      for (const [k, v] of l.fields) if (!(k === eventField && typeof v === 'string')) e += this.sizeKeyValue(k, v);
      this.lens[j] = e;
      n += delimited(e);
    }
    this.lens[i] = n;
    return n;
  }

  private sizeResourceSpans(service: string, spans: Span[]): number {
    const i = this.reserve();
    const resource = this.reserve();
    this.lens[resource] = this.sizeKeyValue(serviceNameAttr, service);
    const scope = this.reserve();
    let n = 0;
    for (const s of spans) n += delimited(this.sizeSpan(s));
    this.lens[scope] = n;
    this.lens[i] = delimited(this.lens[resource]!) + delimited(n);
    return this.lens[i]!;
  }

  // Write pass: the same walk, taking the recorded lengths in order.

  private byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  private varint(n: number): void {
    while (n >= 128) {
      this.byte((n % 128) | 128);
      n = Math.floor(n / 128);
    }
    this.byte(n);
  }

  /** A length-delimited field's tag and recorded length. */
  private open(field: number): void {
    this.byte((field << 3) | LEN);
    this.varint(this.lens[this.at++]!);
  }

  private string(field: number, s: string): void {
    this.open(field);
    this.pos += this.buf.write(s, this.pos);
  }

  private bytes(field: number, hex: string, size: number): void {
    this.byte((field << 3) | LEN);
    this.byte(size);
    this.buf.fill(0, this.pos, this.pos + size);
    this.buf.write(hex, this.pos, size, 'hex');
    this.pos += size;
  }

  /** µs as fixed64 ns, exactly (a double holds µs but not ns). */
  private nanos(field: number, us: number): void {
    const whole = Math.max(0, Math.round(us));
    const usHi = Math.floor(whole / two32);
    const low = (whole - usHi * two32) * 1000;
    const carry = Math.floor(low / two32);
    this.byte((field << 3) | I64);
    this.buf.writeUInt32LE(low - carry * two32, this.pos);
    this.buf.writeUInt32LE(usHi * 1000 + carry, this.pos + 4);
    this.pos += 8;
  }

  private any(v: AttrValue): void {
    if (typeof v === 'string') return this.string(1, v);
    if (typeof v === 'boolean') {
      this.byte((2 << 3) | VARINT);
      return this.byte(v ? 1 : 0);
    }
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) {
        this.byte((4 << 3) | I64);
        this.pos = this.buf.writeDoubleLE(v, this.pos);
        return;
      }
      this.byte((3 << 3) | VARINT);
      if (v >= 0) return this.varint(v);
      // Negative int64: ten-byte two's complement varint.
      let u = BigInt.asUintN(64, BigInt(v));
      for (let k = 0; k < 9; k++, u >>= 7n) this.byte(Number(u & 0x7fn) | 128);
      return this.byte(Number(u));
    }
    this.open(5);
    for (const s of v) {
      this.open(1);
      this.string(1, s);
    }
  }

  private keyValue(field: number, key: string, value: AttrValue): void {
    this.open(field);
    this.string(1, key);
    this.open(2);
    this.any(value);
  }

  private span(s: Span): void {
    this.open(2);
    this.bytes(1, s.traceId, 16);
    this.bytes(2, s.spanId, 8);
    if (s.parentId) this.bytes(4, s.parentId, 8);
    this.string(5, s.name);
    if (s.kind) {
      this.byte((6 << 3) | VARINT);
      this.varint(s.kind);
    }
    this.nanos(7, s.startUs);
    this.nanos(8, s.startUs + s.durationUs);
    for (const [k, v] of s.tags) this.keyValue(9, k, v);
    if (s.warnings.length) this.keyValue(9, warningsAttr, s.warnings);
    for (const l of s.logs) {
      this.open(11);
      this.nanos(1, l.timeUs);
      const name = l.fields.get(eventField);
      if (typeof name === 'string' && name) this.string(2, name);
      for (const [k, v] of l.fields) if (!(k === eventField && typeof v === 'string')) this.keyValue(3, k, v);
    }
  }

  private writeResourceSpans(service: string, spans: Span[]): void {
    this.open(1);
    this.keyValue(1, serviceNameAttr, service);
    this.open(2);
    for (const s of spans) this.span(s);
  }
}

/** One TracesData holding the spans, one ResourceSpans per service (first-seen order), as bytes. */
export function encodeTracesData(spans: Span[]): Buffer {
  return new TracesDataEncoder().encode(spans);
}
