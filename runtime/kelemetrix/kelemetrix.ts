/**
 * Audit-derived metrics (the original's "kelemetrix", spec 9.1). The audit webhook calls `observe` for
 * every accepted audit message (all verbs and stages); each configured metric records its quantity,
 * labelled by its tags, when the quantity has a value and every tag and quantity filter passes.
 *
 * Series names follow the original so dashboards keep working: `<name>_count` (counter),
 * `<name>_histogram` (histogram, seconds), `<name>_summary` (summary).
 */
import type { Counter, Histogram, Summary } from 'prom-client';
import type { ComponentContext } from '../component/types.ts';
import type { AuditMessage } from '../audit/types.ts';
import type { KelemetrixConfig, KelemetrixMetricConfig } from '../config/sections/kelemetrix.ts';
import { counter, histogram, summary } from '../metrics/define.ts';
import { compileQuantityFilter, compileTagFilter, type QuantityFilter, type TagFilter } from './filters.ts';
import type { QuantifierName, TagName } from './names.ts';
import { quantifiers, requestLatencyBuckets, type QuantifierEnv } from './quantifiers.ts';
import { computeTag } from './tags.ts';

export interface Kelemetrix {
  observe(message: AuditMessage): void;
  /** Names of the Prometheus metrics defined by the config (empty when disabled). */
  readonly metricNames: string[];
}

export interface KelemetrixOptions {
  /** Clock for mq_latency (tests). */
  nowMs?: () => number;
}

interface CompiledMetric {
  name: string;
  quantifier: QuantifierName;
  tags: TagName[];
  tagFilters: TagFilter[];
  quantityFilters: QuantityFilter[];
  record(labels: Record<string, string>, value: number): void;
}

function seriesFor(ctx: ComponentContext, m: KelemetrixMetricConfig): { name: string; record: CompiledMetric['record'] } {
  const help = m.help ?? `Audit-derived ${m.quantifier} (kelemetrix metric "${m.name}")`;
  const labels = m.tags as TagName[];
  switch (quantifiers[m.quantifier as QuantifierName].kind) {
    case 'counter': {
      const c: Counter<string> = counter(ctx.registry, `${m.name}_count`, help, labels);
      return { name: `${m.name}_count`, record: (l, v) => c.inc(l, v) };
    }
    case 'histogram': {
      const h: Histogram<string> = histogram(ctx.registry, `${m.name}_histogram`, `${help}, seconds`, labels, requestLatencyBuckets);
      return { name: `${m.name}_histogram`, record: (l, v) => h.observe(l, v) };
    }
    case 'summary': {
      const s: Summary<string> = summary(ctx.registry, `${m.name}_summary`, help, labels);
      return { name: `${m.name}_summary`, record: (l, v) => s.observe(l, v) };
    }
  }
}

export function createKelemetrix(ctx: ComponentContext, opts: KelemetrixOptions = {}): Kelemetrix {
  const config: KelemetrixConfig | undefined = ctx.config.kelemetrix;
  if (!config?.enabled || config.metrics.length === 0) return { observe: () => {}, metricNames: [] };

  const logger = ctx.logger.child({ component: 'kelemetrix' });
  const messages = counter(ctx.registry, 'kelemetrix_message_count', 'Audit messages seen by kelemetrix', []);
  const errors = counter(ctx.registry, 'kelemetrix_error_count', 'Tags or quantities that could not be computed (recorded as error markers or skipped)', ['stage', 'name']);
  const warned = new Set<string>();
  const reportError = (stage: 'tag' | 'quantity', name: string, msg: AuditMessage, err: Error) => {
    errors.inc({ stage, name });
    // One warning per tag/quantity keeps a stream of bad events from flooding the log; the counter has the rate.
    if (warned.has(`${stage}/${name}`)) return;
    warned.add(`${stage}/${name}`);
    logger.warn('kelemetrix cannot compute a value; further failures are only counted', { stage, name, cluster: msg.cluster, auditID: msg.event.auditID, err: err.message });
  };

  const metrics: CompiledMetric[] = config.metrics.map((m) => ({
    quantifier: m.quantifier as QuantifierName,
    tags: m.tags as TagName[],
    tagFilters: m.tagFilters.map(compileTagFilter),
    quantityFilters: m.quantityFilters.map(compileQuantityFilter),
    ...seriesFor(ctx, m),
  }));
  const neededTags = [...new Set(metrics.flatMap((m) => [...m.tags, ...m.tagFilters.map((f) => f.tag)]))];
  const neededQuantities = [...new Set(metrics.flatMap((m) => [m.quantifier, ...m.quantityFilters.map((f) => f.quantity)]))];

  const env: QuantifierEnv = {
    nowMs: opts.nowMs ?? Date.now,
    requestTimeoutMs: (cluster) => config.requestTimeouts[cluster] ?? config.defaultRequestTimeout,
  };

  return {
    metricNames: metrics.map((m) => m.name),
    observe(msg: AuditMessage): void {
      messages.inc();
      const tags = {} as Record<TagName, string>;
      for (const t of neededTags) {
        const { value, error } = computeTag(t, msg);
        if (error) reportError('tag', t, msg, error);
        tags[t] = value;
      }
      const quantities = new Map<QuantifierName, number | undefined>();
      for (const q of neededQuantities) {
        try {
          quantities.set(q, quantifiers[q].compute(msg, env));
        } catch (err) {
          reportError('quantity', q, msg, err instanceof Error ? err : new Error(String(err)));
          quantities.set(q, undefined);
        }
      }
      for (const m of metrics) {
        const value = quantities.get(m.quantifier);
        if (value === undefined) continue;
        if (!m.tagFilters.every((f) => f.test(tags[f.tag]))) continue;
        if (!m.quantityFilters.every((f) => f.test(quantities.get(f.quantity)))) continue;
        const labels: Record<string, string> = {};
        for (const t of m.tags) labels[t] = tags[t];
        m.record(labels, value);
      }
    },
  };
}
