/**
 * A span's size for the export queue's byte bound: its strings (name, attribute keys and values, event
 * names and attributes) by length, plus a fixed cost per span, attribute and event. An estimate, cheap
 * enough for every ended span; audit spans carry diffs and object snapshots as event attributes, which
 * is where a span grows large.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

const perSpan = 256;
const perEntry = 32;

function valueBytes(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x: unknown) => n + valueBytes(x), 0);
  return 8;
}

function attributesBytes(attrs: Record<string, unknown> | undefined): number {
  let n = 0;
  if (attrs) for (const k in attrs) n += perEntry + k.length + valueBytes(attrs[k]);
  return n;
}

export function spanBytes(span: ReadableSpan): number {
  let n = perSpan + span.name.length + attributesBytes(span.attributes);
  for (const e of span.events) n += perEntry + e.name.length + attributesBytes(e.attributes);
  return n;
}
