/**
 * The document around every page the plugin serves: inline CSS only (no scripts, no external assets), so it
 * works offline, through the API server's Service proxy, and under a Content-Security-Policy that forbids
 * scripts (see pageHeaders).
 */
import { Html, html } from './html.ts';

const css = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem 1.5rem; color: #1d1d1f; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
a { color: #0b5cad; }
code, .logs, .dur { font-family: ui-monospace, monospace; font-size: 12px; }
.meta { color: #555; margin: 0 0 .6rem; }
.modes { display: flex; flex-wrap: wrap; gap: .2rem .8rem; }
.modes a { white-space: nowrap; }
.modes a[aria-current] { font-weight: bold; color: inherit; text-decoration: none; }
.warnings { background: #fff4ce; padding: .4rem .8rem; }
.error { background: #fde7e9; padding: .4rem .8rem; }
.spans { list-style: none; padding: 0; margin: .8rem 0; }
.span { border-top: 1px solid #eee; padding: 2px 0; }
.row { display: grid; grid-template-columns: minmax(16rem, 2fr) 3fr 5rem; gap: .6rem; align-items: center; }
.label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.service { color: #555; margin-right: .3rem; }
.track { position: relative; height: 12px; background: #f3f3f3; }
.bar { position: absolute; top: 0; bottom: 0; min-width: 2px; background: #2b7bb9; }
.dur { text-align: right; }
details { margin: 0 0 2px; }
summary { color: #555; cursor: pointer; }
.logs { border-collapse: collapse; }
.logs td { padding: 0 .6rem 0 0; vertical-align: top; white-space: pre-wrap; word-break: break-word; }
.logs .time { color: #777; white-space: nowrap; }
.logs .key { color: #8a5a00; white-space: nowrap; }
form.search { display: grid; grid-template-columns: 8rem 20rem; gap: .4rem .8rem; align-items: center; max-width: 32rem; }
form.search button { grid-column: 2; justify-self: start; }
`;

export function pageDocument(title: string, body: Html): string {
  return `<!DOCTYPE html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${new Html(css)}</style></head>
<body>${body}</body></html>`.text}\n`;
}

/** Headers of an HTML page: no script may run, forms post only back here, nothing is cached (traces grow). */
export const pageHeaders = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};
