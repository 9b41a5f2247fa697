/**
 * The shape both trace views draw (the terminal tree of `kelemetry trace` and the plugin's HTML page): spans
 * nested under their parents in start order, the trace's time bounds, and each log as display lines.
 */
import type { JaegerKeyValue, JaegerSpanJson, JaegerTraceJson } from './jaegerJson.ts';

export interface TraceNode {
  span: JaegerSpanJson;
  children: TraceNode[];
}

/** Root spans (a span whose parent is not in the trace is a root), each level sorted by start, then name. */
export function traceForest(trace: JaegerTraceJson): TraceNode[] {
  const nodes = new Map(trace.spans.map((s) => [s.spanID, { span: s, children: [] as TraceNode[] }]));
  const roots: TraceNode[] = [];
  for (const node of nodes.values()) {
    const parentRef = node.span.references?.find((r) => r.refType === 'CHILD_OF' && nodes.has(r.spanID));
    if (parentRef) nodes.get(parentRef.spanID)!.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: TraceNode, b: TraceNode) => a.span.startTime - b.span.startTime || a.span.operationName.localeCompare(b.span.operationName);
  const sortDeep = (list: TraceNode[]) => {
    list.sort(byStart);
    list.forEach((n) => sortDeep(n.children));
  };
  sortDeep(roots);
  return roots;
}

export interface TraceBounds {
  /** µs since the epoch. */
  startUs: number;
  endUs: number;
  /** At least 1, so positions can be divided by it. */
  totalUs: number;
}

/** From the first start to the last end; undefined for an empty trace. */
export function traceBounds(trace: JaegerTraceJson): TraceBounds | undefined {
  if (trace.spans.length === 0) return undefined;
  const startUs = Math.min(...trace.spans.map((s) => s.startTime));
  const endUs = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  return { startUs, endUs, totalUs: Math.max(1, endUs - startUs) };
}

export function formatDurationUs(us: number): string {
  const ms = us / 1000;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** HH:MM:SS.mmm (UTC) of a µs timestamp. */
export function clock(us: number): string {
  return new Date(us / 1000).toISOString().slice(11, 23);
}

export interface LogLine {
  /** The log's time on its first line, '' on the others. */
  time: string;
  /** The field name on its first line, '' on continuation lines. */
  key: string;
  line: string;
}

/**
 * A span's logs as display lines: fields in their order, multi-line values split, empty lines and internal
 * `zzz-` fields left out.
 */
export function spanLogLines(span: JaegerSpanJson): LogLine[] {
  return (span.logs ?? []).flatMap((log) => fieldLines(log.fields).map((l, i) => ({ time: i === 0 ? clock(log.timestamp) : '', ...l })));
}

function fieldLines(fields: JaegerKeyValue[]): { key: string; line: string }[] {
  const out: { key: string; line: string }[] = [];
  for (const f of fields) {
    if (f.key.startsWith('zzz-')) continue;
    const lines = String(f.value).split('\n').filter((l) => l.length > 0);
    lines.forEach((line, i) => out.push({ key: i === 0 ? f.key : '', line }));
  }
  return out;
}
