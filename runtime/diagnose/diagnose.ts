/**
 * Runs every check over scraped metrics. Used by `kelemetry scan` (one scrape: totals since start, or
 * two scrapes: a window) and by the operator's `AuditFlowing` condition.
 */
import { auditEvents, auditRefused, auditRequests } from './checks/audit.ts';
import { cacheErrors } from './checks/caches.ts';
import { eventsHandled } from './checks/events.ts';
import { leaderState } from './checks/leader.ts';
import { spansSent } from './checks/spans.ts';
import { MetricSet, type Scrape } from './metricSet.ts';
import type { DiagnoseContext, Finding } from './types.ts';

export const checks = [auditRequests, auditRefused, auditEvents, eventsHandled, spansSent, cacheErrors, leaderState];

export interface DiagnoseInput extends DiagnoseContext {
  current: Scrape[];
  /** An earlier scrape of the same targets: figures become increases since then. */
  previous?: Scrape[];
}

export function diagnose(input: DiagnoseInput): Finding[] {
  const set = new MetricSet(input.current, input.previous);
  return checks.map((check) => check(set, input));
}

/** Healthy when no check found a problem. */
export function healthy(findings: Finding[]): boolean {
  return findings.every((f) => f.ok);
}
