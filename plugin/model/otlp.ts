/**
 * OTLP `TracesData` ⇄ model spans, with the same mapping Jaeger uses to show OTLP: resource
 * `service.name` → service; events → logs whose name is the `event` field; the `@jaeger@warnings`
 * attribute → warnings. Objects are in @grpc/proto-loader's decoded shape (see proto/load.ts).
 */
import { bytesToHex, hexToBytes } from './ids.ts';
import type { AttrValue, Span, SpanLog } from './span.ts';

export const serviceNameAttr = 'service.name';
export const warningsAttr = '@jaeger@warnings';
export const eventField = 'event';

export interface OtlpAnyValue {
  string_value?: string;
  bool_value?: boolean;
  int_value?: string | number;
  double_value?: number;
  array_value?: { values: OtlpAnyValue[] };
  kvlist_value?: { values: OtlpKeyValue[] };
  bytes_value?: Uint8Array;
  value?: string;
}
export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue | null;
}
export interface OtlpEvent {
  time_unix_nano: string | number;
  name: string;
  attributes?: OtlpKeyValue[];
}
export interface OtlpSpan {
  trace_id: Uint8Array;
  span_id: Uint8Array;
  parent_span_id?: Uint8Array;
  name: string;
  kind?: number;
  start_time_unix_nano: string | number;
  end_time_unix_nano: string | number;
  attributes?: OtlpKeyValue[];
  events?: OtlpEvent[];
}
export interface OtlpResourceSpans {
  resource?: { attributes?: OtlpKeyValue[] } | null;
  scope_spans?: { scope?: unknown; spans?: OtlpSpan[] }[];
}
export interface OtlpTracesData {
  resource_spans?: OtlpResourceSpans[];
}

export function nsToUs(ns: string | number): number {
  if (typeof ns === 'number') return Math.floor(ns / 1000);
  return ns.length > 3 ? Number(ns.slice(0, -3)) : 0;
}

export function usToNs(us: number): string {
  const whole = Math.max(0, Math.round(us));
  return whole === 0 ? '0' : `${whole}000`;
}

function fromAny(v: OtlpAnyValue | null | undefined): AttrValue {
  if (!v) return '';
  // proto-loader names the set oneof member in `value`; hand-built objects only have the member itself.
  const which = v.value ?? (['string_value', 'bool_value', 'int_value', 'double_value', 'array_value', 'kvlist_value', 'bytes_value'] as const).find((k) => v[k] !== undefined);
  if (which === 'string_value') return v.string_value ?? '';
  if (which === 'bool_value') return !!v.bool_value;
  if (which === 'int_value') return Number(v.int_value ?? 0);
  if (which === 'double_value') return v.double_value ?? 0;
  if (which === 'array_value') return (v.array_value?.values ?? []).map((x) => String(fromAny(x)));
  if (which === 'kvlist_value') return JSON.stringify(Object.fromEntries((v.kvlist_value?.values ?? []).map((kv) => [kv.key, fromAny(kv.value)])));
  if (which === 'bytes_value') return Buffer.from(v.bytes_value ?? []).toString('base64');
  return '';
}

function toAny(v: AttrValue): OtlpAnyValue {
  if (typeof v === 'string') return { string_value: v };
  if (typeof v === 'boolean') return { bool_value: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { int_value: String(v) } : { double_value: v };
  return { array_value: { values: v.map((s) => ({ string_value: s })) } };
}

function attrsToMap(attrs: OtlpKeyValue[] | undefined): Map<string, AttrValue> {
  const m = new Map<string, AttrValue>();
  for (const kv of attrs ?? []) m.set(kv.key, fromAny(kv.value));
  return m;
}

function mapToAttrs(m: Map<string, AttrValue>): OtlpKeyValue[] {
  const out: OtlpKeyValue[] = [];
  for (const [key, value] of m) out.push({ key, value: toAny(value) });
  return out;
}

/** Every span of a decoded TracesData message, in message order. */
export function spansFromTracesData(td: OtlpTracesData): Span[] {
  const out: Span[] = [];
  for (const rs of td.resource_spans ?? []) {
    const resource = attrsToMap(rs.resource?.attributes ?? undefined);
    const service = String(resource.get(serviceNameAttr) ?? '');
    for (const ss of rs.scope_spans ?? []) {
      for (const s of ss.spans ?? []) {
        const tags = attrsToMap(s.attributes);
        const warnings = tags.get(warningsAttr);
        tags.delete(warningsAttr);
        const startUs = nsToUs(s.start_time_unix_nano);
        const parentId = bytesToHex(s.parent_span_id);
        const logs: SpanLog[] = (s.events ?? []).map((e) => {
          const fields = new Map<string, AttrValue>();
          if (e.name) fields.set(eventField, e.name);
          for (const [k, v] of attrsToMap(e.attributes)) fields.set(k, v);
          return { timeUs: nsToUs(e.time_unix_nano), fields };
        });
        out.push({
          traceId: bytesToHex(s.trace_id),
          spanId: bytesToHex(s.span_id),
          ...(parentId ? { parentId } : {}),
          name: s.name,
          service,
          kind: s.kind ?? 0,
          startUs,
          durationUs: Math.max(0, nsToUs(s.end_time_unix_nano) - startUs),
          tags,
          logs,
          warnings: warnings === undefined ? [] : Array.isArray(warnings) ? warnings : [String(warnings)],
        });
      }
    }
  }
  return out;
}

export function spanToOtlp(s: Span): OtlpSpan {
  const attributes = mapToAttrs(s.tags);
  if (s.warnings.length) attributes.push({ key: warningsAttr, value: toAny(s.warnings) });
  return {
    trace_id: hexToBytes(s.traceId),
    span_id: hexToBytes(s.spanId),
    ...(s.parentId ? { parent_span_id: hexToBytes(s.parentId) } : {}),
    name: s.name,
    kind: s.kind,
    start_time_unix_nano: usToNs(s.startUs),
    end_time_unix_nano: usToNs(s.startUs + s.durationUs),
    attributes,
    events: s.logs.map((l) => {
      const name = l.fields.get(eventField);
      const rest = new Map(l.fields);
      if (typeof name === 'string') rest.delete(eventField);
      return { time_unix_nano: usToNs(l.timeUs), name: typeof name === 'string' ? name : '', attributes: mapToAttrs(rest) };
    }),
  };
}

/** One TracesData holding the spans, grouped into one ResourceSpans per service (first-seen order). */
export function tracesDataFromSpans(spans: Span[]): OtlpTracesData {
  const byService = new Map<string, OtlpSpan[]>();
  for (const s of spans) {
    const list = byService.get(s.service) ?? [];
    list.push(spanToOtlp(s));
    byService.set(s.service, list);
  }
  return {
    resource_spans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: serviceNameAttr, value: { string_value: service } }] },
      scope_spans: [{ spans: list }],
    })),
  };
}
