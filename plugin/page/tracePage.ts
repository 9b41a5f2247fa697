/**
 * The trace page (`/ui/trace/<id>`): what `kelemetry trace` prints, as HTML. One row per span in tree order
 * (indented by depth) with its bar on the trace's timeline and its duration, then its log lines (audit, diff,
 * event…); links to the same trace in every other display mode (same cache key, other mode digits).
 */
import { html, type Html } from './html.ts';
import type { JaegerSpanJson, JaegerTraceJson } from './jaegerJson.ts';
import { pageDocument } from './layout.ts';
import { withMode } from './modes.ts';
import { clock, formatDurationUs, spanLogLines, traceBounds, traceForest, type TraceBounds, type TraceNode } from './traceModel.ts';

export interface ModeChoice {
  /** 8 lowercase hex digits, as in trace IDs. */
  idHex: string;
  name: string;
}

/** Logs of a span shown unfolded up to this many lines; longer ones start folded. */
const openLogLines = 12;

function percent(x: number): string {
  return `${Math.min(100, Math.max(0, x * 100)).toFixed(3)}%`;
}

function modeLinks(traceId: string, modes: readonly ModeChoice[]): Html {
  const current = traceId.slice(2, 10);
  const links = modes.map((m) =>
    m.idHex === current ? html`<a href="${traceId}" aria-current="page">${m.name}</a>` : html`<a href="${withMode(traceId, m.idHex)}">${m.name}</a>`,
  );
  return html`<nav class="modes">Display mode: ${links}</nav>`;
}

function logTable(span: JaegerSpanJson): Html | undefined {
  const lines = spanLogLines(span);
  if (lines.length === 0) return undefined;
  const rows = lines.map((l) => html`<tr><td class="time">${l.time}</td><td class="key">${l.key}</td><td class="line">${l.line}</td></tr>`);
  const summary = `${lines.length} log line${lines.length === 1 ? '' : 's'}`;
  return html`<details${lines.length <= openLogLines ? html` open` : ''}><summary>${summary}</summary><table class="logs">${rows}</table></details>`;
}

function spanItems(trace: JaegerTraceJson, bounds: TraceBounds, node: TraceNode, depth: number, parentId: string): Html[] {
  const s = node.span;
  const service = trace.processes[s.processID]?.serviceName ?? '';
  const left = (s.startTime - bounds.startUs) / bounds.totalUs;
  const width = s.duration / bounds.totalUs;
  const when = `${clock(s.startTime)} – ${clock(s.startTime + s.duration)}`;
  const item = html`<li class="span" id="span-${s.spanID}" data-span-id="${s.spanID}" data-parent-id="${parentId}" data-depth="${depth}">
<div class="row"><span class="label" style="padding-left:${depth * 1.2}em"><span class="service">${service}</span><span class="name">${s.operationName}</span></span><span class="track" title="${when}"><span class="bar" style="left:${percent(left)};width:${percent(width)}"></span></span><span class="dur">${formatDurationUs(s.duration)}</span></div>
<div style="padding-left:${depth * 1.2}em">${logTable(s)}</div></li>`;
  return [item, ...node.children.flatMap((c) => spanItems(trace, bounds, c, depth + 1, s.spanID))];
}

function warningList(trace: JaegerTraceJson): Html | undefined {
  const warnings = trace.spans.flatMap((s) => (s.warnings ?? []).map((w) => html`<li>${s.operationName}: ${w}</li>`));
  return warnings.length ? html`<ul class="warnings">${warnings}</ul>` : undefined;
}

export function renderTracePage(trace: JaegerTraceJson, modes: readonly ModeChoice[]): string {
  const bounds = traceBounds(trace);
  const roots = traceForest(trace);
  const root = roots[0]?.span;
  const title = root ? `${trace.processes[root.processID]?.serviceName ?? ''} ${root.operationName}`.trim() : trace.traceID;
  const meta = bounds
    ? html`<p class="meta">trace <code>${trace.traceID}</code>, ${new Date(bounds.startUs / 1000).toISOString()} → ${clock(bounds.endUs)} (${formatDurationUs(bounds.totalUs)}), ${trace.spans.length} spans · <a href="../">find another object</a></p>`
    : html`<p class="meta">trace <code>${trace.traceID}</code> has no spans · <a href="../">find another object</a></p>`;
  const spans = bounds ? html`<ol class="spans">${roots.flatMap((r) => spanItems(trace, bounds, r, 0, ''))}</ol>` : undefined;
  return pageDocument(`${title} – Kelemetry`, html`<h1>${title}</h1>${meta}${modeLinks(trace.traceID, modes)}${warningList(trace)}${spans}`);
}
