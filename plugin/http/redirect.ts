/**
 * `GET /redirect?cluster=&group=&resource=&namespace=&name=&ts=<RFC3339>` (spec 8.11): finds the
 * object's trace within ts ± window in the default display mode and answers `302 Found` with
 * `Location: <uiUrl>trace/<cache trace ID>` when the UI's absolute address is configured (a browser lands on
 * the Jaeger UI page), else the original's relative `/trace/<id>` (works only behind the UI's own host and path).
 * Differences from the original: `group` narrows the search when given; no match is a 404 (not a
 * placeholder trace); several matches are a 409 that lists them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PluginMetrics } from '../metrics.ts';
import type { Reader } from '../reader/reader.ts';
import { objectParams, parseRfc3339, reply } from './params.ts';

export interface RedirectOptions {
  reader: Reader;
  defaultMode: () => string;
  clusters: string[];
  windowMs: number;
  metrics: PluginMetrics;
  /** Absolute Jaeger UI address with its base path (`plugin.uiUrl`); absent = relative locations. */
  uiUrl?: string;
}

/** Where a browser sees trace `id` in the Jaeger UI. */
export function tracePageUrl(id: string, uiUrl?: string): string {
  if (!uiUrl) return `/trace/${id}`;
  // A base path without its trailing slash would lose its last segment when resolving.
  const base = uiUrl.endsWith('/') ? uiUrl : `${uiUrl}/`;
  return new URL(`trace/${id}`, base).href;
}


export async function handleRedirect(req: IncomingMessage, res: ServerResponse, opts: RedirectOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const p = url.searchParams;
  const count = (result: string) => opts.metrics.redirects.inc({ result });
  const ts = p.get('ts') ?? '';
  const object = objectParams(p, opts.clusters, res, count);
  if (!object) return;
  const { cluster: known, resource, name } = object;
  const tsMs = parseRfc3339(ts);
  if (tsMs === undefined) {
    count('InvalidTimestamp');
    return reply(res, 400, `ts must be an RFC 3339 time such as 2025-01-02T10:11:12Z, got ${JSON.stringify(ts)}`);
  }
  const attributes: Record<string, string> = { resource, name };
  for (const optional of ['namespace', 'group'] as const) {
    const v = p.get(optional);
    if (v !== null && (v !== '' || optional === 'group')) attributes[optional] = v;
  }
  const describe = `${known}/${attributes.group ?? '*'}/${resource}/${attributes.namespace ?? '*'}/${name}`;
  let traces;
  try {
    traces = await opts.reader.findTraces({
      service: opts.defaultMode(),
      operation: known,
      attributes,
      startUs: (tsMs - opts.windowMs) * 1000,
      endUs: (tsMs + opts.windowMs) * 1000,
      limit: 0,
    });
  } catch (err) {
    count('TraceError');
    return reply(res, 500, `searching ${describe}: ${(err as Error).message}`);
  }
  if (traces.length === 0) {
    count('NoTraceMatch');
    return reply(res, 404, `no trace of ${describe} within ${opts.windowMs / 60000} minutes of ${ts}`);
  }
  if (traces.length > 1) {
    count('MultiTraceMatch');
    return reply(res, 409, `${traces.length} traces match ${describe}; add namespace or group to choose one:\n${traces.map((t) => tracePageUrl(t.traceId, opts.uiUrl)).join('\n')}`);
  }
  count('Found');
  const location = tracePageUrl(traces[0]!.traceId, opts.uiUrl);
  res.writeHead(302, { Location: location, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`Found: ${location}\n`);
}
