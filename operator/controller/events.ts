/**
 * Kubernetes Events about an instance (core/v1, involvedObject = the KelemetryInstance), where
 * `kubectl describe` shows them: condition changes, apply and prune failures, pruned children,
 * generated credentials. Emitting never fails a reconcile (a refused Event is logged and counted).
 * The same event for the same instance is written at most once per `dedupeMs`, so a failure retried
 * with backoff does not flood the namespace.
 */
import { hostname } from 'node:os';
import type { Counter } from 'prom-client';
import { API_VERSION, KIND, type Condition } from '../../api/types.ts';
import { MANAGED_BY } from '../../manifests/naming.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import type { Logger } from '../../runtime/util/log.ts';

export interface EventSpec {
  type: 'Normal' | 'Warning';
  /** CamelCase and stable. */
  reason: string;
  message: string;
}

export interface EventTarget {
  metadata: { name: string; namespace?: string; uid?: string };
}

/**
 * The events a status change deserves: every condition whose status changed; of a new instance's first
 * conditions, Ready, and Degraded when it is True.
 */
export function conditionEvents(previous: Condition[] | undefined, next: Condition[]): EventSpec[] {
  const out: EventSpec[] = [];
  for (const c of next) {
    const before = previous?.find((p) => p.type === c.type);
    const degraded = c.type === 'Degraded' && c.status === 'True';
    if (before ? before.status === c.status : c.type !== 'Ready' && !degraded) continue;
    const lost = c.status === 'False' && before?.status === 'True' && c.type !== 'Progressing';
    out.push({ type: lost || degraded ? 'Warning' : 'Normal', reason: c.reason || c.type, message: `${c.type} is ${c.status}${c.message ? `: ${c.message}` : ''}` });
  }
  return out;
}

/** The core/v1 Event object for one emission. */
export function eventObject(target: EventTarget, e: EventSpec, now: Date, instance: string): Record<string, unknown> {
  const { name, uid } = target.metadata;
  const namespace = target.metadata.namespace ?? 'default';
  const time = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${name}.`, namespace },
    involvedObject: { apiVersion: API_VERSION, kind: KIND, name, namespace, ...(uid ? { uid } : {}) },
    type: e.type,
    reason: e.reason,
    // The API server refuses messages above 1 KiB.
    message: e.message.length > 1024 ? `${e.message.slice(0, 1021)}...` : e.message,
    source: { component: MANAGED_BY },
    reportingComponent: MANAGED_BY,
    reportingInstance: instance,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

export interface EventRecorderOptions {
  rest: KubeRest;
  logger: Logger;
  emitted?: Counter<'type' | 'reason' | 'result'>;
  dedupeMs?: number;
  now?: () => Date;
}

export class EventRecorder {
  private readonly last = new Map<string, number>();
  private readonly instance = `${process.env.POD_NAME ?? hostname()}`;

  constructor(private readonly opts: EventRecorderOptions) {}

  async emit(target: EventTarget, e: EventSpec): Promise<void> {
    const now = this.opts.now?.() ?? new Date();
    const key = `${target.metadata.uid ?? target.metadata.name}|${e.type}|${e.reason}|${e.message}`;
    const dedupeMs = this.opts.dedupeMs ?? 10 * 60_000;
    const at = this.last.get(key);
    if (at !== undefined && now.getTime() - at < dedupeMs) return;
    this.forgetOld(now.getTime(), dedupeMs);
    this.last.set(key, now.getTime());
    const namespace = target.metadata.namespace ?? 'default';
    try {
      await this.opts.rest.create(`/api/v1/namespaces/${namespace}/events`, eventObject(target, e, now, this.instance));
      this.opts.emitted?.inc({ type: e.type, reason: e.reason, result: 'created' });
    } catch (err) {
      this.opts.emitted?.inc({ type: e.type, reason: e.reason, result: 'error' });
      this.opts.logger.warn('cannot write an Event', { instance: `${namespace}/${target.metadata.name}`, reason: e.reason, err });
    }
  }

  private forgetOld(nowMs: number, dedupeMs: number): void {
    if (this.last.size < 1000) return;
    for (const [k, t] of this.last) if (nowMs - t >= dedupeMs) this.last.delete(k);
  }
}
