/**
 * Finds an object's trace through the plugin's /redirect and reads it from Jaeger query's UI API.
 * Failures to connect say what to start (see stack.ts); bad answers quote the server.
 */
import { request } from 'node:http';
import type { JaegerTraceJson } from '../render/jaegerJson.ts';
import { startHint, type Stack } from './stack.ts';

export interface ObjectRef {
  resource: string;
  group?: string;
  name: string;
}

interface Answer {
  status: number;
  body: string;
  location?: string;
}

const hourMs = 3_600_000;

function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 30s')));
    req.on('error', reject);
    req.end();
  });
}

async function reach(url: string, what: string): Promise<Answer> {
  try {
    return await get(url);
  } catch (err) {
    throw new Error(`cannot reach ${what} at ${new URL(url).origin} (${(err as Error).message}).\n${startHint}`);
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
    const res = await reach(`${stack.plugin}/redirect?${params}`, 'the Kelemetry plugin');
    if (res.status === 302 && res.location) {
      const traceId = res.location.split('/').pop();
      if (traceId) return { traceId };
      break;
    }
    if (res.status !== 404) throw new Error(`the plugin answered ${res.status}: ${res.body.trim()}`);
    lastNotFound = res.body.trim();
    if (sinceMs < hourMs) break;
  }
  return { notFound: lastNotFound };
}

export async function fetchTrace(query: string, id: string): Promise<JaegerTraceJson> {
  const res = await reach(`${query}/api/traces/${id}`, 'Jaeger query');
  if (res.status !== 200) throw new Error(`Jaeger query answered ${res.status} for trace ${id}: ${res.body.trim().slice(0, 500)}`);
  const trace = (JSON.parse(res.body) as { data: JaegerTraceJson[] }).data[0];
  if (!trace) throw new Error(`Jaeger query returned no trace for ${id}`);
  return trace;
}
