/**
 * `HTTPTrace` provider (spec 8.9): a list of trace backends tried in order; the first whose `tagFilters`
 * (tag → regular expression, unanchored; a missing tag is '') match the string template arguments is
 * asked `GET <urlTemplate>?<argsTemplates>` and must answer Jaeger API JSON (`{"data": [trace...]}`).
 * A failing backend falls through to the next matching one.
 *
 * The original's LoadCache is unimplemented (an error); these backends only search, so here a cached
 * result is not reloaded: opening the trace again runs the search again (no `loadCache`).
 */
import { z } from 'zod';
import type { Span } from '../model/span.ts';
import { commonArgs, traceIdsIdentifier } from './config.ts';
import { tracesFromJaegerJson } from './jaegerJson.ts';
import { compileTemplate, compileTemplates, templateArgs, type Template, type TemplateArgs } from './template.ts';
import type { ExtensionProvider, FetchQuery, FetchResult } from './types.ts';

const regex = z.string().transform((src, ctx) => {
  try {
    return new RegExp(src);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

export const httpTraceArgs = z.object({
  ...commonArgs,
  // Accepted for the original's shape; not used there either.
  service: z.string().default(''),
  operation: z.string().default(''),
  traceBackends: z
    .array(
      z.object({
        tagFilters: z.record(z.string(), regex).default({}),
        argsTemplates: z.record(z.string(), z.string()).default({}),
        urlTemplate: z.string().min(1),
        forObject: z.boolean().default(false),
        forAuditEvent: z.boolean().default(false),
      }),
    )
    .min(1),
});
export type HttpTraceArgs = z.output<typeof httpTraceArgs>;

interface Backend {
  index: number;
  filters: [string, RegExp][];
  args: [string, Template][];
  url: Template;
  forObject: boolean;
  forAuditEvent: boolean;
}

export class HttpTraceProvider implements ExtensionProvider {
  readonly kind = 'HTTPTrace';
  readonly maxConcurrency: number;
  readonly totalTimeoutMs: number;
  private readonly backends: Backend[];

  constructor(args: HttpTraceArgs, where: string) {
    this.maxConcurrency = args.maxConcurrency;
    this.totalTimeoutMs = args.totalTimeout;
    this.backends = args.traceBackends.map((b, index) => ({
      index,
      filters: Object.entries(b.tagFilters),
      args: compileTemplates(b.argsTemplates, `${where}: traceBackends[${index}].argsTemplates`),
      url: compileTemplate(b.urlTemplate, `${where}: traceBackends[${index}].urlTemplate`),
      forObject: b.forObject,
      forAuditEvent: b.forAuditEvent,
    }));
  }

  fetchForObject(q: FetchQuery): Promise<FetchResult | undefined> {
    return this.fetch(q, this.backends.filter((b) => b.forObject));
  }

  fetchForVersion(q: FetchQuery): Promise<FetchResult | undefined> {
    return this.fetch(q, this.backends.filter((b) => b.forAuditEvent));
  }

  /** undefined when no backend's filters match; an error naming each failure when every matching one failed. */
  private async fetch(q: FetchQuery, backends: Backend[]): Promise<FetchResult | undefined> {
    const args = templateArgs(q);
    const failures: string[] = [];
    for (const b of backends) {
      if (!b.filters.every(([tag, re]) => re.test(args.strings[tag] ?? ''))) continue;
      const url = this.url(b, args);
      try {
        const traces = await get(url, q.signal);
        const ids = [...traces.keys()];
        return { identifier: traceIdsIdentifier(ids, q.startUs, q.endUs), spans: ids.flatMap((id) => traces.get(id)!) };
      } catch (err) {
        if (q.signal.aborted) throw err;
        failures.push(`backend ${b.index}: ${(err as Error).message}`);
      }
    }
    if (failures.length) throw new Error(`HTTPTrace: every matching trace backend failed: ${failures.join('; ')}`);
    return undefined;
  }

  private url(b: Backend, args: TemplateArgs): string {
    const query = new URLSearchParams(b.args.map(([k, t]) => [k, t.render(args)]));
    return `${b.url.render(args)}?${query}`;
  }

  close(): void {}
}

async function get(url: string, signal: AbortSignal): Promise<Map<string, Span[]>> {
  const res = await fetch(url, { signal });
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}: ${body.slice(0, 200)}`);
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new Error(`GET ${url}: response is not JSON: ${(err as Error).message}`);
  }
  return tracesFromJaegerJson(doc, `GET ${url}`);
}
