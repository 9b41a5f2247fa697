/** From a core/v1 Event to the event span (spec 6): pure functions, no I/O. */
import type { SpanEvent } from '../aggregator/types.ts';
import { LogType, Tag, TraceSource } from '../model/constants.ts';

export interface CoreEvent {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  involvedObject?: { apiVersion?: string; kind?: string; namespace?: string; name?: string; uid?: string };
  reason?: string;
  message?: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  action?: string;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
  eventTime?: string | null;
  lastTimestamp?: string | null;
  firstTimestamp?: string | null;
}

export type TimestampType = 'EventTime' | 'LastTimestamp' | 'SeriesTime' | '';

/** When the occurrence happened: series time, else eventTime (MicroTime), else lastTimestamp. */
export function eventTime(ev: CoreEvent): { ms: number; type: TimestampType } {
  const series = ev.series?.lastObservedTime ? Date.parse(ev.series.lastObservedTime) : NaN;
  if (Number.isFinite(series)) return { ms: series, type: 'SeriesTime' };
  const et = ev.eventTime ? Date.parse(ev.eventTime) : NaN;
  if (Number.isFinite(et) && et > 0) return { ms: et, type: 'EventTime' };
  const lt = ev.lastTimestamp ? Date.parse(ev.lastTimestamp) : NaN;
  if (Number.isFinite(lt) && lt > 0) return { ms: lt, type: 'LastTimestamp' };
  return { ms: NaN, type: '' };
}

/**
 * Identity of one occurrence: an Event object updated with a higher count is a new occurrence;
 * seeing the same count again (relist, restart, unrelated field update) is not.
 */
export function occurrenceKey(ev: CoreEvent): string {
  const id = ev.metadata?.uid || `${ev.metadata?.namespace ?? ''}/${ev.metadata?.name ?? ''}`;
  return `${id}#${ev.series?.count ?? ev.count ?? 1}`;
}

export function eventSpan(ev: CoreEvent, timeMs: number): SpanEvent {
  return {
    title: ev.reason ?? '',
    traceSource: TraceSource.event,
    startMs: timeMs,
    tags: { [Tag.source]: ev.source?.component || ev.reportingComponent || '', [Tag.action]: ev.action ?? '' },
    logs: [{ type: LogType.eventMessage, message: ev.message ?? '' }],
  };
}
