/**
 * A rendered trace in Jaeger UI's JSON shape (what Jaeger query's `/api/traces/{id}` returns per trace), for
 * the plugin's own HTTP endpoints: one process per service name, tags and log fields as typed key/values.
 */
import type { AttrValue, Span } from '../model/span.ts';
import type { RenderedTrace } from '../reader/reader.ts';

interface KeyValue {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64';
  value: string | number | boolean;
}

function keyValue(key: string, v: AttrValue): KeyValue {
  if (typeof v === 'boolean') return { key, type: 'bool', value: v };
  if (typeof v === 'number') return { key, type: Number.isInteger(v) ? 'int64' : 'float64', value: v };
  return { key, type: 'string', value: Array.isArray(v) ? JSON.stringify(v) : v };
}

export function jaegerUiTrace(trace: RenderedTrace, keepLog: (fields: Map<string, AttrValue>) => boolean = () => true) {
  const processIds = new Map<string, string>();
  const processOf = (s: Span) => {
    let id = processIds.get(s.service);
    if (!id) processIds.set(s.service, (id = `p${processIds.size + 1}`));
    return id;
  };
  const spans = trace.spans.map((s) => ({
    traceID: trace.traceId,
    spanID: s.spanId,
    operationName: s.name,
    references: s.parentId ? [{ refType: 'CHILD_OF', traceID: trace.traceId, spanID: s.parentId }] : [],
    startTime: s.startUs,
    duration: s.durationUs,
    tags: [...s.tags].map(([k, v]) => keyValue(k, v)),
    logs: s.logs.filter((l) => keepLog(l.fields)).map((l) => ({ timestamp: l.timeUs, fields: [...l.fields].map(([k, v]) => keyValue(k, v)) })),
    processID: processOf(s),
    warnings: s.warnings.length > 0 ? s.warnings : null,
  }));
  const processes = Object.fromEntries([...processIds].map(([serviceName, id]) => [id, { serviceName, tags: [] }]));
  return { traceID: trace.traceId, spans, processes, warnings: null };
}
