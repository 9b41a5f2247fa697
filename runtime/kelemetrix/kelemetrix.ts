/**
 * Audit-derived metrics (the original's "kelemetrix", spec 9.1). The audit webhook calls `observe` for
 * every accepted audit message (all verbs and stages); each configured metric records its quantity,
 * labelled by its tags, when the quantity has a value and every tag and quantity filter passes.
 *
 * Series names follow the original so dashboards keep working: `<name>_count` (counter),
 * `<name>_histogram` (histogram, seconds), `<name>_summary` (summary).
 */
import type { Counter, Histogram, Registry, Summary } from 'prom-client';
import type { ReceivedAuditEvent } from '../audit/types.ts';
import type { KelemetrixConfig, KelemetrixMetricConfig } from '../config/sections/kelemetrix.ts';
import { counter, histogram, summary } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';
import { compileQuantityFilter, compileTagFilter, type QuantityFilter, type TagFilter } from './filters.ts';
import type { QuantifierName, TagName } from '../model/kelemetrixNames.ts';
import { quantifiers, requestLatencyBuckets, type QuantifierEnv } from './quantifiers.ts';
import { computeTag } from './tags.ts';

export interface KelemetrixDeps {
  registry: Registry;
  logger: Logger;
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

function seriesFor(registry: Registry, m: KelemetrixMetricConfig): { name: string; record: CompiledMetric['record'] } {
  const help = m.help ?? `Audit-derived ${m.quantifier} (kelemetrix metric "${m.name}")`;
  const labels = m.tags as TagName[];
  switch (quantifiers[m.quantifier as QuantifierName].kind) {
    case 'counter': {
      const c: Counter<string> = counter(registry, `${m.name}_count`, help, labels);
      return { name: `${m.name}_count`, record: (l, v) => c.inc(l, v) };
    }
    case 'histogram': {
      const h: Histogram<string> = histogram(registry, `${m.name}_histogram`, `${help}, seconds`, labels, requestLatencyBuckets);
      return { name: `${m.name}_histogram`, record: (l, v) => h.observe(l, v) };
    }
    case 'summary': {
      const s: Summary<string> = summary(registry, `${m.name}_summary`, help, labels);
      return { name: `${m.name}_summary`, record: (l, v) => s.observe(l, v) };
    }
  }
}

function compile(m: KelemetrixMetricConfig, registry: Registry): CompiledMetric {
  return {
    quantifier: m.quantifier as QuantifierName,
    tags: m.tags as TagName[],
    tagFilters: m.tagFilters.map(compileTagFilter),
    quantityFilters: m.quantityFilters.map(compileQuantityFilter),
    ...seriesFor(registry, m),
  };
}

export class Kelemetrix {
  /** Names of the Prometheus metrics defined by the config (empty when disabled). */
  readonly metricNames: string[];
  private readonly metrics: CompiledMetric[];
  private readonly neededTags: TagName[];
  private readonly neededQuantities: QuantifierName[];
  private readonly env: QuantifierEnv;
  private readonly logger: Logger;
  private readonly messages: Counter<string> | undefined;
  private readonly errors: Counter<'stage' | 'name'> | undefined;
  private readonly warned = new Set<string>();

  /** Without a section, disabled, or without metrics, it registers nothing and observes nothing. */
  constructor(config: KelemetrixConfig | undefined, deps: KelemetrixDeps) {
    this.logger = deps.logger.child({ component: 'kelemetrix' });
    const metrics = config?.enabled ? config.metrics : [];
    if (metrics.length > 0) {
      this.messages = counter(deps.registry, 'kelemetrix_message_count', 'Audit messages seen by kelemetrix', []);
      this.errors = counter(deps.registry, 'kelemetrix_error_count', 'Tags or quantities that could not be computed (recorded as error markers or skipped)', ['stage', 'name']);
    }
    this.metrics = metrics.map((m) => compile(m, deps.registry));
    this.metricNames = this.metrics.map((m) => m.name);
    this.neededTags = [...new Set(this.metrics.flatMap((m) => [...m.tags, ...m.tagFilters.map((f) => f.tag)]))];
    this.neededQuantities = [...new Set(this.metrics.flatMap((m) => [m.quantifier, ...m.quantityFilters.map((f) => f.quantity)]))];
    const timeouts = config?.requestTimeouts ?? {};
    const defaultTimeout = config?.defaultRequestTimeout ?? 0;
    this.env = { nowMs: deps.nowMs ?? Date.now, requestTimeoutMs: (cluster) => timeouts[cluster] ?? defaultTimeout };
  }

  /** Records every configured metric for one received audit event (any verb, any stage). */
  readonly observe = (msg: ReceivedAuditEvent): void => {
    if (!this.messages) return;
    this.messages.inc();
    const tags = {} as Record<TagName, string>;
    for (const t of this.neededTags) {
      const { value, error } = computeTag(t, msg);
      if (error) this.reportError('tag', t, msg, error);
      tags[t] = value;
    }
    const quantities = new Map<QuantifierName, number | undefined>();
    for (const q of this.neededQuantities) {
      try {
        quantities.set(q, quantifiers[q].compute(msg, this.env));
      } catch (err) {
        this.reportError('quantity', q, msg, err instanceof Error ? err : new Error(String(err)));
        quantities.set(q, undefined);
      }
    }
    for (const m of this.metrics) {
      const value = quantities.get(m.quantifier);
      if (value === undefined) continue;
      if (!m.tagFilters.every((f) => f.test(tags[f.tag]))) continue;
      if (!m.quantityFilters.every((f) => f.test(quantities.get(f.quantity)))) continue;
      const labels: Record<string, string> = {};
      for (const t of m.tags) labels[t] = tags[t];
      m.record(labels, value);
    }
  };

  private reportError(stage: 'tag' | 'quantity', name: string, msg: ReceivedAuditEvent, err: Error): void {
    this.errors?.inc({ stage, name });
    // One warning per tag/quantity keeps a stream of bad events from flooding the log; the counter has the rate.
    if (this.warned.has(`${stage}/${name}`)) return;
    this.warned.add(`${stage}/${name}`);
    this.logger.warn('kelemetrix cannot compute a value; further failures are only counted', { stage, name, cluster: msg.cluster, auditID: msg.event.auditID, err });
  }
}
