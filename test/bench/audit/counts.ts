/** Where audit events went missing, from the pipeline's own metrics. */
import type { Registry } from 'prom-client';

async function metricSum(registry: Registry, name: string, filter: (labels: Record<string, string | number>) => boolean = () => true): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const { values } = (await m.get()) as { values: { metricName?: string; labels: Record<string, string | number>; value: number }[] };
  // Counters have plain values; histograms count in their `_count` series.
  return values.filter((v) => (v.metricName === undefined || v.metricName.endsWith('_count')) && filter(v.labels)).reduce((s, v) => s + v.value, 0);
}

export interface LossCounts {
  droppedSpans: number;
  sendErrors: number;
  filtered: number;
}

export async function lossCounts(registry: Registry): Promise<LossCounts> {
  return {
    droppedSpans: await metricSum(registry, 'tracer_spans_dropped_total'),
    sendErrors: await metricSum(registry, 'audit_consumer_event', (l) => l.error !== ''),
    filtered: await metricSum(registry, 'audit_consumer_filtered_total'),
  };
}

/** The losses of several replicas together. */
export function sumLosses(all: LossCounts[]): LossCounts {
  return all.reduce((a, b) => ({ droppedSpans: a.droppedSpans + b.droppedSpans, sendErrors: a.sendErrors + b.sendErrors, filtered: a.filtered + b.filtered }), { droppedSpans: 0, sendErrors: 0, filtered: 0 });
}
