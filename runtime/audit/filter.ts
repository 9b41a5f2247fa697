/**
 * Which audit events become spans (spec 5.5 steps 1-4, 5.6 static part): kept verbs and stages, then
 * exclusions by cluster, type, user agent, user, namespace and object. Returns the reason an event is
 * dropped (a metric label), or undefined to keep it.
 */
import type { AuditConfig } from '../config/sections/audit.ts';
import { auditUsername } from './event.ts';
import type { AuditEvent, AuditMessage } from './types.ts';

export type FilterReason = 'cluster' | 'verb' | 'stage' | 'noObject' | 'type' | 'userAgent' | 'user' | 'namespace' | 'object';

/** The filter's settings: `audit.filter`, plus the verbs, stages and user choice of `audit.consumer`. */
export type AuditFilterSettings = {
  filter: AuditConfig['filter'];
  consumer: Pick<AuditConfig['consumer'], 'verbs' | 'stages' | 'ignoreImpersonatedUser'>;
};

export class AuditFilter {
  private readonly verbs: Set<string>;
  private readonly stages: Set<string>;
  private readonly types: Set<string>;
  private readonly excludeClusters: Set<string>;
  private readonly onlyClusters: Set<string>;
  private readonly users: RegExp[];
  private readonly namespaces: RegExp[];
  private readonly objects: RegExp[];
  private readonly userAgents: string[];
  private readonly ignoreImpersonatedUser: boolean;

  constructor({ filter, consumer }: AuditFilterSettings) {
    this.verbs = new Set(consumer.verbs);
    this.stages = new Set(consumer.stages);
    // Core-group entries are written "pods"; keep them as "/pods" so lookups use one form.
    this.types = new Set(filter.excludeTypes.map((t) => (t.includes('/') ? t : `/${t}`)));
    this.excludeClusters = new Set(filter.excludeClusters);
    this.onlyClusters = new Set(filter.onlyClusters);
    this.users = filter.excludeUsers.map((p) => new RegExp(p));
    this.namespaces = filter.excludeNamespaces.map((p) => new RegExp(p));
    this.objects = filter.excludeObjects.map((p) => new RegExp(p));
    this.userAgents = filter.excludeUserAgents;
    this.ignoreImpersonatedUser = consumer.ignoreImpersonatedUser;
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
    if (this.types.has(`${object.group}/${object.resource}`)) return 'type';
    const ua = event.userAgent ?? '';
    if (this.userAgents.some((s) => ua.includes(s))) return 'userAgent';
    if (this.users.length > 0) {
      const user = auditUsername(event, this.ignoreImpersonatedUser);
      if (this.users.some((r) => r.test(user))) return 'user';
    }
    if (this.namespaces.some((r) => r.test(object.namespace))) return 'namespace';
    if (this.objects.length > 0) {
      const path = `${object.group}/${object.version}/${object.resource}/${object.namespace}/${object.name}`;
      if (this.objects.some((r) => r.test(path))) return 'object';
    }
    return undefined;
  }
}
