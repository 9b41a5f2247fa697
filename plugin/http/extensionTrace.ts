/**
 * `GET /extensions/api/v1/trace?cluster=&resource=&namespace=&name=&start=&end=[&span_type=][&displayMode=]`
 * (spec 8.11): the object's trace in a display mode (default `tracing`) within [start, end] (RFC 3339), as a
 * single Jaeger UI JSON trace (not wrapped in `data`), for tools that embed Kelemetry traces. With
 * `span_type`, every span keeps only the logs that have a field of that name (e.g. `audit`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PluginMetrics } from '../metrics.ts';
import type { Reader } from '../reader/reader.ts';
import { jaegerUiTrace } from './jaegerUiJson.ts';
import { objectParams, parseRfc3339, reply } from './params.ts';

export interface ExtensionTraceOptions {
  reader: Reader;
  clusters: string[];
  metrics: PluginMetrics;
}

export async function handleExtensionTrace(req: IncomingMessage, res: ServerResponse, opts: ExtensionTraceOptions): Promise<void> {
  const p = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const count = (result: string) => opts.metrics.extensionTraces.inc({ result });
  const object = objectParams(p, opts.clusters, res, count);
  if (!object) return;
  const { cluster: known, resource, name } = object;
  const startMs = parseRfc3339(p.get('start'));
  const endMs = parseRfc3339(p.get('end'));
  if (startMs === undefined || endMs === undefined || !(endMs > startMs)) {
    count('InvalidTimestamp');
    return reply(res, 400, 'start and end must be RFC 3339 times, start before end');
  }
  const attributes: Record<string, string> = { resource, name };
  const namespace = p.get('namespace');
  if (namespace) attributes.namespace = namespace;
  const service = p.get('displayMode') || 'tracing';
  let traces;
  try {
    traces = await opts.reader.findTraces({ service, operation: known, attributes, startUs: startMs * 1000, endUs: endMs * 1000, limit: 0 });
  } catch (err) {
    count('TraceError');
    return reply(res, 500, `searching ${known}/${resource}/${namespace ?? '*'}/${name}: ${(err as Error).message}`);
  }
  if (traces.length === 0) {
    count('NoTraceMatch');
    return reply(res, 404, 'could not find trace ids that match query');
  }
  if (traces.length > 1) {
    count('MultiTraceMatch');
    return reply(res, 500, `trace ids match query length is ${traces.length}, not 1`);
  }
  const spanType = p.get('span_type');
  count('Found');
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(jaegerUiTrace(traces[0]!, spanType ? (fields) => fields.has(spanType) : undefined)));
}
