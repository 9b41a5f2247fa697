/** Phrases shared by the checks. */
import type { MetricSet } from '../metricSet.ts';
import type { DiagnoseContext, Finding } from '../types.ts';

/** "in the last 5m" / "since the processes started". */
export function period(set: MetricSet, ctx: DiagnoseContext): string {
  if (!set.windowed) return 'since the processes started';
  const s = Math.round(ctx.windowSeconds ?? 0);
  if (s <= 0) return 'in the window';
  if (s % 3600 === 0) return `in the last ${s / 3600}h`;
  if (s % 60 === 0) return `in the last ${s / 60}m`;
  return `in the last ${s}s`;
}

/** "45s", "12m", "3h": how long ago, roughly. */
export function ago(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

/** "a (3), b (1)" sorted by count, largest first. */
export function breakdown(counts: Map<string, number>): string {
  return [...counts.entries()]
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k || '(none)'} (${fmt(n)})`)
    .join(', ');
}

/** Integers print as integers; scraped counters are floats. */
export function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

export function absent(id: string, what: string): Finding {
  return { id, ok: true, absent: true, figure: 0, message: `${what}: not exported by the scraped processes`, suggestion: '' };
}
