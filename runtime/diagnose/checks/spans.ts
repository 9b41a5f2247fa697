/**
 * Span output check: spans written by the aggregator (`aggregator_send`, label success) and what the
 * OTLP exporter did with them (`tracer_spans_exported_total`, `tracer_spans_dropped_total{reason}`);
 * also the Jaeger collector's own counters when its metrics were scraped.
 */
import type { MetricSet } from '../metricSet.ts';
import type { DiagnoseContext, Finding } from '../types.ts';
import { absent, breakdown, fmt, period } from './wording.ts';

export function spansSent(set: MetricSet, ctx: DiagnoseContext): Finding {
  const id = 'spansSent';
  const hasAggregator = set.has('aggregator_send');
  const hasTracer = set.has('tracer_spans_dropped_total') || set.has('tracer_spans_exported_total');
  const hasCollector = set.has('jaeger_collector_spans_rejected_total');
  if (!hasAggregator && !hasTracer && !hasCollector) return absent(id, 'spans sent');

  const sent = set.increase('aggregator_send_count', { success: (s) => s !== 'false' });
  const failed = set.increase('aggregator_send_count', { success: 'false' });
  const exported = set.increase('tracer_spans_exported_total');
  const dropped = set.increaseBy('tracer_spans_dropped_total', 'reason');
  const droppedTotal = [...dropped.values()].reduce((a, b) => a + b, 0);
  const rejected = set.increase('jaeger_collector_spans_rejected_total');

  const parts = [`sent ${fmt(sent)} event spans ${period(set, ctx)}`];
  if (hasTracer) parts.push(`${fmt(exported)} spans exported`, `${fmt(droppedTotal)} dropped${droppedTotal ? ` (${breakdown(dropped)})` : ''}`);
  if (failed) parts.push(`${fmt(failed)} span writes failed`);
  if (hasCollector) parts.push(`jaeger-collector rejected ${fmt(rejected)}`);
  const message = parts.join(', ');

  const advice: string[] = [];
  if ((dropped.get('queue_full') ?? 0) > 0) advice.push('the export queue overflowed: raise tracer.maxQueueSize or make sure the collector keeps up');
  if ((dropped.get('export_failed') ?? 0) > 0) advice.push('exports failed after retries: check tracer.otlpEndpoint is reachable and the Jaeger collector is healthy');
  for (const reason of dropped.keys()) {
    if (reason !== 'queue_full' && reason !== 'export_failed' && (dropped.get(reason) ?? 0) > 0) advice.push(`spans dropped (${reason}): see the tracer log`);
  }
  if (failed > 0) advice.push('span writes failed before export: check the span cache store (stores.*, see the cache check)');
  if (rejected > 0) advice.push('the Jaeger collector rejected spans: check its storage backend and logs');
  return { id, ok: advice.length === 0, figure: sent, message, suggestion: advice.join('; ') };
}
