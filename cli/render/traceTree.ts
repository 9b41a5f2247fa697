/**
 * Renders a Jaeger trace as a terminal tree: one line per span with a relative timeline bar and its
 * duration, then the span's log lines (audit, diff, event…), fitted to a given width (default 100).
 */
import type { JaegerTraceJson } from '../../plugin/page/jaegerJson.ts';
import { clock, formatDurationUs, spanLogLines, traceBounds, traceForest, type TraceNode } from '../../plugin/page/traceModel.ts';

export interface RenderOptions {
  width?: number;
  /** ANSI colours (only when printing to a terminal). */
  color?: boolean;
  /** Show at most this many log lines per span (the rest are counted). */
  maxLogLines?: number;
}

const barWidth = 24;

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

export function renderTraceTree(trace: JaegerTraceJson, opts: RenderOptions = {}): string {
  const width = opts.width ?? 100;
  const maxLogLines = opts.maxLogLines ?? 12;
  const paint = (code: string, s: string) => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const bounds = traceBounds(trace);
  if (!bounds) return '(empty trace)\n';
  const { startUs: t0, endUs: t1, totalUs: total } = bounds;
  const durWidth = 8;
  const labelWidth = width - barWidth - durWidth - 4;
  const lines: string[] = [
    `trace ${trace.traceID}  ${new Date(t0 / 1000).toISOString()} → ${clock(t1)} (${formatDurationUs(total)}), ${trace.spans.length} spans`,
  ];

  const visit = (node: TraceNode, prefix: string, isLast: boolean, depth: number) => {
    const s = node.span;
    const service = trace.processes[s.processID]?.serviceName ?? '';
    const branch = depth === 0 ? '' : isLast ? '└─ ' : '├─ ';
    const label = fit(`${prefix}${branch}${service ? service + ' ' : ''}${s.operationName}`, labelWidth);
    lines.push(`${paint('1', label)} |${paint('36', bar(s.startTime, s.duration, t0, total))}| ${formatDurationUs(s.duration).padStart(durWidth)}`);
    const childPrefix = depth === 0 ? '' : prefix + (isLast ? '   ' : '│  ');
    const logIndent = childPrefix + (node.children.length ? '│  ' : '   ');
    const allLogLines = spanLogLines(s);
    for (const l of allLogLines.slice(0, maxLogLines)) {
      const head = `${logIndent}${l.time.padEnd(12)} ${paint('33', l.key.padEnd(12))} `;
      lines.push(fit(head + l.line, width).trimEnd());
    }
    if (allLogLines.length > maxLogLines) lines.push(`${logIndent}… ${allLogLines.length - maxLogLines} more log lines (-o json shows all)`);
    node.children.forEach((c, i) => visit(c, childPrefix, i === node.children.length - 1, depth + 1));
  };
  const roots = traceForest(trace);
  roots.forEach((r, i) => visit(r, '', i === roots.length - 1, 0));
  return lines.join('\n') + '\n';
}
