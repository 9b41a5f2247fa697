/**
 * `GET /redirect?cluster=&group=&resource=&namespace=&name=&ts=<RFC3339>[&ui=page]` (spec 8.11): finds the
 * object's trace within ts ± window in the default display mode and answers `302 Found` with
 * `Location: <uiUrl>trace/<cache trace ID>` when the UI's absolute address is configured (a browser lands on
 * the Jaeger UI page), else the original's relative `/trace/<id>` (works only behind the UI's own host and path).
 * With `ui=page` the Location is the plugin's own trace page, `ui/trace/<id>` relative to /redirect (works
 * wherever /redirect is reached, also through a proxy path). Differences from the original: `group` narrows
 * the search when given; no match is a 404 (not a placeholder trace); several matches are a 409 that lists them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PluginMetrics } from '../metrics.ts';
import type { Reader } from '../reader/reader.ts';
import { checkObjectParams, parseRfc3339, reply, type Refusal } from './params.ts';

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

/** What a search found: one trace, or why not (with the matching trace IDs when several match). */
export type TraceLookup = { traceId: string } | (Refusal & { traceIds?: string[] });

/**
 * The one trace of the object `p` names (cluster, resource, name, optional group and namespace) within
 * ts ± window, in the default display mode; counts the result in redirect_request_count. `ts` may be
 * absent only when `defaultTsMs` is given (the trace page's search form means "now").
 */
export async function lookupObjectTrace(p: URLSearchParams, opts: RedirectOptions, defaultTsMs?: number): Promise<TraceLookup> {
  const found = await findObjectTrace(p, opts, defaultTsMs);
  opts.metrics.redirects.inc({ result: 'traceId' in found ? 'Found' : found.result });
  return found;
}

async function findObjectTrace(p: URLSearchParams, opts: RedirectOptions, defaultTsMs?: number): Promise<TraceLookup> {
  const object = checkObjectParams(p, opts.clusters);
  if ('code' in object) return object;
  const { cluster: known, resource, name } = object;
  const ts = p.get('ts') || (defaultTsMs === undefined ? '' : new Date(defaultTsMs).toISOString());
  const tsMs = parseRfc3339(ts);
  if (tsMs === undefined) {
    return { code: 400, result: 'InvalidTimestamp', message: `ts must be an RFC 3339 time such as 2025-01-02T10:11:12Z, got ${JSON.stringify(ts)}` };
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
    return { code: 500, result: 'TraceError', message: `searching ${describe}: ${(err as Error).message}` };
  }
  if (traces.length === 0) return { code: 404, result: 'NoTraceMatch', message: `no trace of ${describe} within ${opts.windowMs / 60000} minutes of ${ts}` };
  if (traces.length > 1) {
    const traceIds = traces.map((t) => t.traceId);
    return { code: 409, result: 'MultiTraceMatch', message: `${traces.length} traces match ${describe}; add namespace or group to choose one:`, traceIds };
  }
  return { traceId: traces[0]!.traceId };
}

const uiTargets = ['jaeger', 'page'];

export async function handleRedirect(req: IncomingMessage, res: ServerResponse, opts: RedirectOptions): Promise<void> {
  const p = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const ui = p.get('ui') ?? 'jaeger';
  if (!uiTargets.includes(ui)) {
    opts.metrics.redirects.inc({ result: 'InvalidParam' });
    return reply(res, 400, `ui must be page (the plugin's own trace page) or jaeger (the default), got ${JSON.stringify(ui)}`);
  }
  const where = (id: string) => (ui === 'page' ? `ui/trace/${id}` : tracePageUrl(id, opts.uiUrl));
  const found = await lookupObjectTrace(p, opts);
  if (!('traceId' in found)) return reply(res, found.code, found.traceIds ? `${found.message}\n${found.traceIds.map(where).join('\n')}` : found.message);
  const location = where(found.traceId);
  res.writeHead(302, { Location: location, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`Found: ${location}\n`);
}
