/**
 * Jaeger query API JSON (`/api/traces`: `{"data": [{traceID, spans, processes}]}`) → model spans, what
 * HTTPTrace backends answer. A span's parent is its first reference (spec 8.2); its service comes from
 * its process. Times are µs, as in that API.
 */
import { z } from 'zod';
import type { AttrValue, Span } from '../model/span.ts';

const keyValue = z.object({ key: z.string(), value: z.unknown() });
const process = z.object({ serviceName: z.string().default('') });
const span = z.object({
  traceID: z.string().regex(/^[0-9a-fA-F]{1,32}$/),
  spanID: z.string().regex(/^[0-9a-fA-F]{1,16}$/),
  operationName: z.string().default(''),
  references: z.array(z.object({ spanID: z.string() })).nullish(),
  startTime: z.number(),
  duration: z.number().default(0),
  tags: z.array(keyValue).nullish(),
  logs: z.array(z.object({ timestamp: z.number(), fields: z.array(keyValue).nullish() })).nullish(),
  processID: z.string().nullish(),
  process: process.nullish(),
  warnings: z.array(z.string()).nullish(),
});
const response = z.object({ data: z.array(z.object({ spans: z.array(span).nullish(), processes: z.record(z.string(), process).nullish() })).nullish() });

function attr(v: unknown): AttrValue {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v ?? null);
}

const kvMap = (kvs: z.infer<typeof keyValue>[] | null | undefined) => new Map<string, AttrValue>((kvs ?? []).map((kv) => [kv.key, attr(kv.value)]));

/** Traces of the response: trace ID → spans (in response order). */
export function tracesFromJaegerJson(doc: unknown, where: string): Map<string, Span[]> {
  const parsed = response.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${where}: not Jaeger API JSON ({"data": [trace...]}): ${issue.path.join('.')}: ${issue.message}`);
  }
  const traces = new Map<string, Span[]>();
  for (const t of parsed.data.data ?? []) {
    for (const s of t.spans ?? []) {
      const traceId = s.traceID.toLowerCase().padStart(32, '0');
      const parent = s.references?.[0]?.spanID;
      const list = traces.get(traceId) ?? [];
      list.push({
        traceId,
        spanId: s.spanID.toLowerCase().padStart(16, '0'),
        ...(parent ? { parentId: parent.toLowerCase().padStart(16, '0') } : {}),
        name: s.operationName,
        service: s.process?.serviceName ?? (s.processID ? t.processes?.[s.processID]?.serviceName : undefined) ?? '',
        kind: 0,
        startUs: s.startTime,
        durationUs: s.duration,
        tags: kvMap(s.tags),
        logs: (s.logs ?? []).map((l) => ({ timeUs: l.timestamp, fields: kvMap(l.fields) })),
        warnings: s.warnings ?? [],
      });
      traces.set(traceId, list);
    }
  }
  return traces;
}
