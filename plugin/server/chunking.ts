/**
 * Storage v2 chunking contract (anchors C.2): a chunk never mixes traces, a large trace spans
 * consecutive chunks, chunks are never empty. Chunks are cut by span count and by an estimate of their
 * encoded size, so Jaeger's client (4 MiB receive limit by default) accepts them.
 */
import { encodeTracesData } from '../model/otlpEncode.ts';
import type { AttrValue, Span } from '../model/span.ts';

function valueSize(v: AttrValue): number {
  if (typeof v === 'string') return Buffer.byteLength(v) + 4;
  if (Array.isArray(v)) return v.reduce((n, s) => n + Buffer.byteLength(s) + 4, 4);
  return 12;
}

/** Upper-bound-ish estimate of a span's encoded OTLP size. */
export function estimateSpanBytes(s: Span): number {
  let n = 80 + Buffer.byteLength(s.name) + Buffer.byteLength(s.service);
  for (const [k, v] of s.tags) n += k.length + valueSize(v) + 8;
  for (const l of s.logs) {
    n += 20;
    for (const [k, v] of l.fields) n += k.length + valueSize(v) + 8;
  }
  for (const w of s.warnings) n += Buffer.byteLength(w) + 4;
  return n;
}

/** The trace's spans as serialized TracesData messages. */
export function chunkTrace(spans: Span[], maxSpans: number, maxBytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  let current: Span[] = [];
  let bytes = 0;
  for (const s of spans) {
    const size = estimateSpanBytes(s);
    if (current.length && (current.length >= maxSpans || bytes + size > maxBytes)) {
      chunks.push(encodeTracesData(current));
      current = [];
      bytes = 0;
    }
    current.push(s);
    bytes += size;
  }
  if (current.length) chunks.push(encodeTracesData(current));
  return chunks;
}
