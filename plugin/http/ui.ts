/**
 * The plugin's own pages, for a browser when no Jaeger UI is at hand (the Jaeger built here serves none):
 *   GET /ui/                 a form naming one object
 *   GET /ui/search?…         finds its trace as /redirect does (plus `mode`, and `ts` defaulting to now), 302 to its page
 *   GET /ui/trace/<id>       the trace as a tree with a timeline, linking to the other display modes
 * Every link is relative, so the pages also work under a path prefix or through the API server's Service proxy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { status } from '@grpc/grpc-js';
import { loadDisplayModes } from '../modes/registry.ts';
import { renderSearchPage } from '../page/searchPage.ts';
import { renderTracePage, type ModeChoice } from '../page/tracePage.ts';
import { pageDocument, pageHeaders } from '../page/layout.ts';
import { html } from '../page/html.ts';
import { withMode } from '../page/modes.ts';
import { QueryError } from '../reader/errors.ts';
import { jaegerUiTrace } from './jaegerUiJson.ts';
import { lookupObjectTrace, type RedirectOptions } from './redirect.ts';

export interface UiOptions extends RedirectOptions {
  /** The display modes to link to (the plugin's registry); absent = the built-in modes file. */
  modes?: () => readonly ModeChoice[];
}

let builtIn: readonly ModeChoice[] | undefined;

function modeChoices(opts: UiOptions): readonly ModeChoice[] {
  if (opts.modes) return opts.modes();
  builtIn ??= loadDisplayModes().all.map((m) => ({ idHex: m.idHex, name: m.name }));
  return builtIn;
}

function page(res: ServerResponse, code: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { ...pageHeaders, ...headers });
  res.end(body);
}

function messagePage(res: ServerResponse, code: number, title: string, message: string): void {
  page(res, code, pageDocument(`${title} – Kelemetry`, html`<h1>${title}</h1><p class="error" role="alert">${message}</p><p><a href="../">find a trace</a></p>`));
}

function searchPage(opts: UiOptions, extra: { values?: URLSearchParams; error?: string; matches?: { href: string; label: string }[] } = {}): string {
  const modes = modeChoices(opts);
  const defaultMode = modes.find((m) => m.name === opts.defaultMode())?.idHex ?? modes[0]?.idHex ?? '';
  return renderSearchPage({ clusters: opts.clusters, modes, defaultMode, windowMs: opts.windowMs, ...extra });
}

async function handleSearch(p: URLSearchParams, res: ServerResponse, opts: UiOptions): Promise<void> {
  const mode = p.get('mode');
  if (mode !== null && mode !== '' && !modeChoices(opts).some((m) => m.idHex === mode)) {
    return page(res, 400, searchPage(opts, { values: p, error: `unknown display mode ${mode}` }));
  }
  const inMode = (id: string) => (mode ? withMode(id, mode) : id);
  const found = await lookupObjectTrace(p, opts, Date.now());
  if ('traceId' in found) {
    res.writeHead(302, { Location: `trace/${inMode(found.traceId)}`, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end();
    return;
  }
  const matches = found.traceIds?.map((id) => ({ href: `trace/${inMode(id)}`, label: inMode(id) }));
  page(res, found.code, searchPage(opts, { values: p, error: found.message, matches }));
}

async function handleTracePage(id: string, res: ServerResponse, opts: UiOptions): Promise<void> {
  let trace;
  try {
    trace = await opts.reader.getTrace(id);
  } catch (err) {
    if (err instanceof QueryError && err.code === status.NOT_FOUND) return messagePage(res, 404, 'No such trace', err.message);
    throw err;
  }
  if (!trace) {
    return messagePage(res, 404, 'No such trace', `trace ${id} is not a Kelemetry trace ID, or its search has expired from the trace cache; search for the object again`);
  }
  page(res, 200, renderTracePage(jaegerUiTrace(trace), modeChoices(opts)));
}

/** Answers GET /ui, /ui/… . */
export async function handleUi(req: IncomingMessage, res: ServerResponse, opts: UiOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  // Relative links resolve against the directory: /ui must become /ui/.
  if (path === '/ui') return page(res, 301, '', { Location: 'ui/' });
  if (path === '/ui/') return page(res, 200, searchPage(opts));
  if (path === '/ui/search') return handleSearch(url.searchParams, res, opts);
  const traceId = /^\/ui\/trace\/([0-9a-fA-F]{32})$/.exec(path)?.[1];
  if (traceId) return handleTracePage(traceId.toLowerCase(), res, opts);
  messagePage(res, 404, 'Not found', `${path} is not a page here; the trace pages are /ui/ and /ui/trace/<trace ID>`);
}
