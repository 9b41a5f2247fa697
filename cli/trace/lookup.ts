/**
 * Finds an object's trace through the plugin's /redirect and reads it from Jaeger query's UI API.
 * Failures to connect say what to check (see stack.ts); bad answers quote the server.
 */
import type { JaegerTraceJson } from '../../plugin/page/jaegerJson.ts';
import type { Answer, Endpoint } from './endpoint.ts';
import type { Stack } from './stack.ts';

export interface ObjectRef {
  resource: string;
  group?: string;
  name: string;
}

const hourMs = 3_600_000;

async function reach(endpoint: Endpoint, path: string, what: string, hint: string): Promise<Answer> {
  try {
    return await endpoint.get(path);
  } catch (err) {
    throw new Error(`cannot reach ${what} at ${endpoint.describe} (${(err as Error).message}).\n${hint}`);
  }
}

/** The trace ID, or what the plugin said last when no trace covers the object in the last `sinceMs`. */
export type TraceIdLookup = { traceId: string } | { notFound: string };

export async function findTraceId(stack: Stack, object: ObjectRef, namespace: string, sinceMs: number): Promise<TraceIdLookup> {
  // /redirect searches ±30 min around ts: step back an hour at a time until --since is covered.
  const now = Date.now();
  let lastNotFound = '';
  for (let ts = now; ts >= now - sinceMs - 1; ts -= hourMs) {
    const params = new URLSearchParams({ cluster: stack.cluster, resource: object.resource, namespace, name: object.name, ts: new Date(ts).toISOString() });
    if (object.group !== undefined) params.set('group', object.group);
    const res = await reach(stack.plugin, `/redirect?${params}`, 'the Kelemetry plugin', stack.hint);
    if (res.status === 302 && res.location) {
      const traceId = new URL(res.location, 'http://x').pathname.split('/').pop();
      if (traceId) return { traceId };
      break;
    }
    if (res.status !== 404) throw new Error(`the plugin at ${stack.plugin.describe} answered ${res.status}: ${res.body.trim().slice(0, 500)}`);
    lastNotFound = res.body.trim();
    if (sinceMs < hourMs) break;
  }
  return { notFound: lastNotFound };
}

export async function fetchTrace(stack: Stack, id: string): Promise<JaegerTraceJson> {
  const res = await reach(stack.query, `/api/traces/${id}`, 'Jaeger query', stack.hint);
  if (res.status !== 200) throw new Error(`Jaeger query at ${stack.query.describe} answered ${res.status} for trace ${id}: ${res.body.trim().slice(0, 500)}`);
  const trace = (JSON.parse(res.body) as { data: JaegerTraceJson[] }).data[0];
  if (!trace) throw new Error(`Jaeger query returned no trace for ${id}`);
  return trace;
}
