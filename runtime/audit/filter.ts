/**
 * Which audit events become spans (spec 5.5 steps 1-4, 5.6): kept verbs and stages, then exclusions by
 * cluster, and the static rules (`audit.filter`) and the cluster's dynamic rules (its filter ConfigMap,
 * dynamicFilter.ts). Both rule sets can be replaced while running (no restart). Returns the reason an
 * event is dropped (a metric label), or undefined to keep it.
 */
import type { AuditConfig } from '../config/sections/audit.ts';
import { auditUsername } from './event.ts';
import { FilterRules, type RuleReason } from './filterRules.ts';
import type { AuditEvent, AuditMessage } from './types.ts';

export type FilterReason = 'cluster' | 'verb' | 'stage' | 'noObject' | RuleReason;

/** The filter's settings: `audit.filter`, plus the verbs, stages and user choice of `audit.consumer`. */
export type AuditFilterSettings = {
  filter: AuditConfig['filter'];
  consumer: Pick<AuditConfig['consumer'], 'verbs' | 'stages' | 'ignoreImpersonatedUser'>;
};

export class AuditFilter {
  private verbs!: Set<string>;
  private stages!: Set<string>;
  private excludeClusters!: Set<string>;
  private onlyClusters!: Set<string>;
  private rules!: FilterRules;
  private ignoreImpersonatedUser!: boolean;
  /** Per cluster, from its filter ConfigMap. */
  private readonly dynamic = new Map<string, FilterRules>();

  constructor(settings: AuditFilterSettings) {
    this.reconfigure(settings);
  }

  /** Replaces the static settings (a reloaded config); throws, keeping the old ones, on an invalid pattern. */
  reconfigure({ filter, consumer }: AuditFilterSettings): void {
    const rules = new FilterRules(filter);
    this.verbs = new Set(consumer.verbs);
    this.stages = new Set(consumer.stages);
    this.excludeClusters = new Set(filter.excludeClusters);
    this.onlyClusters = new Set(filter.onlyClusters);
    this.rules = rules;
    this.ignoreImpersonatedUser = consumer.ignoreImpersonatedUser;
  }

  /** Sets (or, with undefined, clears) the dynamic rules of one cluster. */
  setDynamic(cluster: string, rules: FilterRules | undefined): void {
    if (rules) this.dynamic.set(cluster, rules);
    else this.dynamic.delete(cluster);
  }

  /** The cheap checks the webhook applies before queueing (nothing else in the queue needs them). */
  testEnvelope(cluster: string, event: AuditEvent): FilterReason | undefined {
    if (this.excludeClusters.has(cluster) || (this.onlyClusters.size > 0 && !this.onlyClusters.has(cluster))) return 'cluster';
    if (!this.verbs.has(event.verb ?? '')) return 'verb';
    if (!this.stages.has(event.stage ?? '')) return 'stage';
    return undefined;
  }

  test(msg: AuditMessage): FilterReason | undefined {
    const { cluster, event, object } = msg;
    const envelope = this.testEnvelope(cluster, event);
    if (envelope) return envelope;
    if (!object) return 'noObject';
    let user: string | undefined;
    const subject = {
      ...object,
      userAgent: event.userAgent ?? '',
      user: () => (user ??= auditUsername(event, this.ignoreImpersonatedUser)),
    };
    return this.rules.test(subject) ?? this.dynamic.get(cluster)?.test(subject);
  }
}
