/**
 * The plugin's in-memory span: Jaeger's view of an OTLP span (service name per span, tags, logs with
 * fields), which is what the merge and transform steps of spec 8.5–8.7 work on. Times are µs since the
 * epoch (exact in a double until the year 2255).
 */
export type AttrValue = string | number | boolean | string[];

export interface SpanLog {
  timeUs: number;
  /** Jaeger log fields; the OTLP event name travels as field `event`. Insertion order is display order. */
  fields: Map<string, AttrValue>;
}

export interface Span {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Parent span ID; absent for a root. */
  parentId?: string;
  /** Operation name. */
  name: string;
  /** Process service name (OTLP resource `service.name`). */
  service: string;
  /** OTLP span kind number (0 = unspecified). */
  kind: number;
  startUs: number;
  durationUs: number;
  tags: Map<string, AttrValue>;
  logs: SpanLog[];
  /** Shown by Jaeger UI on the span (travels as the `@jaeger@warnings` attribute). */
  warnings: string[];
}

export function cloneSpan(s: Span): Span {
  // Fields spelled out rather than spread: merged trees are cloned whole (render memo, shared storage reads).
  const copy: Span = {
    traceId: s.traceId,
    spanId: s.spanId,
    name: s.name,
    service: s.service,
    kind: s.kind,
    startUs: s.startUs,
    durationUs: s.durationUs,
    tags: new Map(s.tags),
    logs: s.logs.map((l) => ({ timeUs: l.timeUs, fields: new Map(l.fields) })),
    warnings: s.warnings.slice(),
  };
  if (s.parentId !== undefined) copy.parentId = s.parentId;
  return copy;
}

export function endUs(s: Span): number {
  return s.startUs + s.durationUs;
}

/** A tag as a string ('' when absent), the way Kelemetry's writers store every tag. */
export function tagString(s: Span, key: string): string | undefined {
  const v = s.tags.get(key);
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(' ') : String(v);
}

export function fieldString(fields: Map<string, AttrValue>, key: string): string | undefined {
  const v = fields.get(key);
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(' ') : String(v);
}
