/**
 * Renders a Jaeger trace as a terminal tree: one line per span with a relative timeline bar and its
 * duration, then the span's log lines (audit, diff, event…), fitted to a given width (default 100).
 */
import type { JaegerKeyValue, JaegerSpanJson, JaegerTraceJson } from './jaegerJson.ts';

export interface RenderOptions {
  width?: number;
  /** ANSI colours (only when printing to a terminal). */
  color?: boolean;
  /** Show at most this many log lines per span (the rest are counted). */
  maxLogLines?: number;
}

interface Node {
  span: JaegerSpanJson;
  children: Node[];
}

const barWidth = 24;

function buildForest(trace: JaegerTraceJson): Node[] {
  const nodes = new Map(trace.spans.map((s) => [s.spanID, { span: s, children: [] as Node[] }]));
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parentRef = node.span.references?.find((r) => r.refType === 'CHILD_OF' && nodes.has(r.spanID));
    if (parentRef) nodes.get(parentRef.spanID)!.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: Node, b: Node) => a.span.startTime - b.span.startTime || a.span.operationName.localeCompare(b.span.operationName);
  const sortDeep = (list: Node[]) => {
    list.sort(byStart);
    list.forEach((n) => sortDeep(n.children));
  };
  sortDeep(roots);
  return roots;
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

function clock(us: number): string {
  return new Date(us / 1000).toISOString().slice(11, 23);
}

function bar(startUs: number, durUs: number, t0: number, total: number): string {
  const from = Math.min(barWidth - 1, Math.floor(((startUs - t0) / total) * barWidth));
  const len = Math.max(1, Math.round((durUs / total) * barWidth));
  const to = Math.min(barWidth, from + len);
  return ' '.repeat(from) + '█'.repeat(to - from) + ' '.repeat(barWidth - to);
}

function fit(text: string, width: number): string {
  if (width <= 1) return '';
  return text.length <= width ? text.padEnd(width) : text.slice(0, width - 1) + '…';
}

function fieldValue(kv: JaegerKeyValue): string {
  return String(kv.value);
}

/** A log's fields as display lines: the message-like field first, multi-line values split. */
function logLines(fields: JaegerKeyValue[]): { key: string; line: string }[] {
  const out: { key: string; line: string }[] = [];
  for (const f of fields) {
    if (f.key.startsWith('zzz-')) continue;
    const lines = fieldValue(f).split('\n').filter((l) => l.length > 0);
    lines.forEach((line, i) => out.push({ key: i === 0 ? f.key : '', line }));
  }
  return out;
}

export function renderTraceTree(trace: JaegerTraceJson, opts: RenderOptions = {}): string {
  const width = opts.width ?? 100;
  const maxLogLines = opts.maxLogLines ?? 12;
  const paint = (code: string, s: string) => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  if (trace.spans.length === 0) return '(empty trace)\n';
  const t0 = Math.min(...trace.spans.map((s) => s.startTime));
  const t1 = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const total = Math.max(1, t1 - t0);
  const durWidth = 8;
  const labelWidth = width - barWidth - durWidth - 4;
  const lines: string[] = [
    `trace ${trace.traceID}  ${new Date(t0 / 1000).toISOString()} → ${clock(t1)} (${formatDurationUs(total)}), ${trace.spans.length} spans`,
  ];

  const visit = (node: Node, prefix: string, isLast: boolean, depth: number) => {
    const s = node.span;
    const service = trace.processes[s.processID]?.serviceName ?? '';
    const branch = depth === 0 ? '' : isLast ? '└─ ' : '├─ ';
    const label = fit(`${prefix}${branch}${service ? service + ' ' : ''}${s.operationName}`, labelWidth);
    lines.push(`${paint('1', label)} |${paint('36', bar(s.startTime, s.duration, t0, total))}| ${formatDurationUs(s.duration).padStart(durWidth)}`);
    const childPrefix = depth === 0 ? '' : prefix + (isLast ? '   ' : '│  ');
    const logIndent = childPrefix + (node.children.length ? '│  ' : '   ');
    const allLogLines = (s.logs ?? []).flatMap((log) =>
      logLines(log.fields).map((l, i) => ({ time: i === 0 ? clock(log.timestamp) : '', ...l })),
    );
    for (const l of allLogLines.slice(0, maxLogLines)) {
      const head = `${logIndent}${l.time.padEnd(12)} ${paint('33', l.key.padEnd(12))} `;
      lines.push(fit(head + l.line, width).trimEnd());
    }
    if (allLogLines.length > maxLogLines) lines.push(`${logIndent}… ${allLogLines.length - maxLogLines} more log lines (-o json shows all)`);
    node.children.forEach((c, i) => visit(c, childPrefix, i === node.children.length - 1, depth + 1));
  };
  const roots = buildForest(trace);
  roots.forEach((r, i) => visit(r, '', i === roots.length - 1, 0));
  return lines.join('\n') + '\n';
}
