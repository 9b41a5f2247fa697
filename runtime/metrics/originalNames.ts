/**
 * The original Kelemetry's Prometheus series (spec 9.2), derived at scrape time from ours, for dashboards
 * built for it (`metrics.originalNames`). The original emits `<name>_count` counters (ours already carry
 * those names), `<name>_histogram` histograms of nanoseconds, `<name>_summary` summaries and `<name>_gauge`
 * gauges; this adds the last three for the metrics it has, converting seconds to nanoseconds where it
 * measured time. Off by default: the extra series double what a scrape returns.
 */
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';

/** Base names the original exports a histogram, summary or gauge for; `ns` when it measured time in nanoseconds. */
const ORIGINAL: Record<string, { kind: 'histogram' | 'summary' | 'gauge'; ns: boolean }> = {
  aggregator_send: { kind: 'histogram', ns: true },
  aggregator_lazy_span: { kind: 'histogram', ns: true },
  aggregator_send_since_event: { kind: 'summary', ns: true },
  aggregator_lazy_span_retry_count: { kind: 'summary', ns: false },
  audit_webhook_request: { kind: 'histogram', ns: true },
  audit_consumer_event: { kind: 'histogram', ns: true },
  audit_consumer_e2e_latency: { kind: 'summary', ns: true },
  audit_forward_proxy: { kind: 'histogram', ns: true },
  diff_decorator: { kind: 'histogram', ns: true },
  diff_decorator_retry_count: { kind: 'summary', ns: false },
  diff_informer_latency: { kind: 'histogram', ns: true },
  diff_controller_on_update: { kind: 'histogram', ns: true },
  diff_controller_on_delete: { kind: 'histogram', ns: true },
  diff_controller_task_pool: { kind: 'gauge', ns: false },
  discovery_resync: { kind: 'histogram', ns: true },
  event_handle: { kind: 'histogram', ns: true },
  event_latency: { kind: 'summary', ns: true },
  linker_job_exec: { kind: 'histogram', ns: true },
  linker_local_worker_lag: { kind: 'gauge', ns: false },
  object_cache_request: { kind: 'histogram', ns: true },
  object_cache_size: { kind: 'gauge', ns: false },
  object_cache_eviction: { kind: 'gauge', ns: false },
  owner_linker_lookup: { kind: 'histogram', ns: true },
  frontend_find_traces_time_range: { kind: 'summary', ns: false },
  redirect_request: { kind: 'histogram', ns: true },
};

type Labels = Record<string, string | number>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** A series line; `le` and `quantile` are scaled like the values when the original measured nanoseconds. */
function line(name: string, v: MetricValue<string>, scale: number): string {
  const labels: Labels = { ...(v.labels as Labels) };
  let value = v.value;
  if (name.endsWith('_bucket')) {
    if (typeof labels.le === 'number') labels.le = labels.le * scale;
  } else if (!name.endsWith('_count')) {
    value *= scale;
  }
  return `${name}${labelText(labels)} ${value}`;
}

function convert(metric: MetricObjectWithValues<MetricValue<string>>, base: string, spec: (typeof ORIGINAL)[string]): string[] {
  const target = `${base}_${spec.kind}`;
  const scale = spec.ns ? 1e9 : 1;
  const type = spec.kind === 'gauge' ? 'gauge' : spec.kind;
  const out = [`# HELP ${target} ${metric.help} (the original Kelemetry's series${spec.ns ? ', nanoseconds' : ''})`, `# TYPE ${target} ${type}`];
  for (const v of metric.values) {
    const suffix = (v as { metricName?: string }).metricName?.slice(metric.name.length) ?? '';
    out.push(line(`${target}${suffix}`, v, scale));
  }
  return out;
}

/** The original's series for every metric of `registry` it has a counterpart of, in text exposition format. */
export async function originalSeries(registry: Registry): Promise<string> {
  const lines: string[] = [];
  for (const metric of await registry.getMetricsAsJSON()) {
    const base = metric.name.replace(/_(seconds|gauge)$/, '');
    const spec = ORIGINAL[base];
    if (!spec || metric.name === `${base}_${spec.kind}`) continue;
    lines.push(...convert(metric as MetricObjectWithValues<MetricValue<string>>, base, spec));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
