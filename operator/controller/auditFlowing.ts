/**
 * The `AuditFlowing` condition's background loop. Diagnosis scrapes pods (slow, may time out), so it runs
 * beside the reconciler rather than inside it: every `intervalMs` each tracked instance is probed
 * (runtime/diagnose/auditFlowing.ts), and the instance is enqueued only when the verdict changed. The
 * reconciler reads the last published verdict into status. An unchanged verdict therefore costs no
 * reconcile and no write, which keeps the operator's steady state free of writes.
 *
 * "Changed" means status, reason or the wording of the message; figures alone (digits) do not count,
 * since a healthy install's message ("received 1520 audit webhook requests in the last 5m") differs on
 * every scrape. The figures shown are those of the last published verdict; `kelemetry scan` has live ones.
 */
import type { Counter } from 'prom-client';
import type { KelemetryInstance } from '../../api/types.ts';
import { AUDIT_FLOWING, type AuditFlowingCondition } from '../../runtime/diagnose/auditFlowing.ts';
import type { Logger } from '../../runtime/util/log.ts';

export interface AuditTarget {
  namespace: string;
  name: string;
  /** The instance's webhook URL, quoted in the suggestion when no audit requests arrive. */
  auditEndpoint?: string;
}

/** What AuditFlowingProbe offers (one per instance: it keeps that instance's scrape window). */
export interface AuditProbe {
  check(target: AuditTarget): Promise<{ condition: AuditFlowingCondition }>;
}

/** What the reconciler sees of the monitor. */
export interface AuditFlowingSource {
  /**
   * Registers (or updates) an instance. `current` is the condition already in its status: it counts as
   * published, so a restarted operator does not rewrite an unchanged verdict.
   */
  track(key: string, target: AuditTarget, current?: AuditFlowingCondition): void;
  /** The verdict to put in status; undefined until one exists. */
  condition(key: string): AuditFlowingCondition | undefined;
  forget(key: string): void;
}

export interface AuditFlowingMonitorOptions {
  newProbe: (target: AuditTarget) => AuditProbe;
  /** Called with the instance key when its verdict changed (the manager enqueues it). */
  onChange: (key: string) => void;
  intervalMs: number;
  logger: Logger;
  /** Probe outcomes by result: changed, unchanged, error. */
  checks?: Counter<'result'>;
}

interface Entry {
  target: AuditTarget;
  probe: AuditProbe;
  published?: AuditFlowingCondition;
  inFlight?: Promise<void>;
}

/** Status, reason and message with every number masked: what must differ for a new verdict to be published. */
export function verdictKey(c: Pick<AuditFlowingCondition, 'status' | 'reason' | 'message'>): string {
  return `${c.status}\u0000${c.reason}\u0000${c.message.replace(/\d+(\.\d+)?/g, '#')}`;
}

export function asAuditFlowing(c: { type: string; status: string; reason: string; message: string } | undefined): AuditFlowingCondition | undefined {
  if (!c || c.type !== AUDIT_FLOWING) return undefined;
  return { type: AUDIT_FLOWING, status: c.status as AuditFlowingCondition['status'], reason: c.reason, message: c.message };
}

/**
 * The AuditFlowing condition to report for an instance (registering it with the monitor): the last
 * published verdict, else the one already in status, kept until this process's first probe.
 */
export function auditFlowingFor(source: AuditFlowingSource, key: string, inst: KelemetryInstance, auditEndpoint: string | undefined): AuditFlowingCondition | undefined {
  const current = asAuditFlowing(inst.status?.conditions?.find((c) => c.type === AUDIT_FLOWING));
  source.track(key, { namespace: inst.metadata.namespace ?? 'default', name: inst.metadata.name, auditEndpoint }, current);
  return source.condition(key) ?? current;
}

export class AuditFlowingMonitor implements AuditFlowingSource {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly opts: AuditFlowingMonitorOptions) {
    this.log = opts.logger.child({ loop: 'audit-flowing' });
  }

  start(): void {
    this.schedule();
  }

  track(key: string, target: AuditTarget, current?: AuditFlowingCondition): void {
    if (this.stopped) return;
    const entry = this.entries.get(key);
    if (entry) {
      entry.target = target;
      return;
    }
    this.entries.set(key, { target, probe: this.opts.newProbe(target), published: current });
    // A new instance is checked at once rather than after a full interval.
    void this.check(key);
  }

  condition(key: string): AuditFlowingCondition | undefined {
    return this.entries.get(key)?.published;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Probes one instance now; publishes and notifies when the verdict changed. Never throws. */
  check(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return Promise.resolve();
    // One probe per instance at a time: its scrape window expects scrapes in order.
    entry.inFlight ??= this.probe(key, entry).finally(() => (entry.inFlight = undefined));
    return entry.inFlight;
  }

  private async probe(key: string, entry: Entry): Promise<void> {
    let verdict: AuditFlowingCondition;
    let failed = false;
    try {
      verdict = (await entry.probe.check(entry.target)).condition;
    } catch (err) {
      // Listing the pods failed (RBAC, apiserver down): the audit path itself is not judged.
      verdict = { type: AUDIT_FLOWING, status: 'Unknown', reason: 'DiagnosisFailed', message: (err as Error).message };
      failed = true;
    }
    if (this.stopped || this.entries.get(key) !== entry) return;
    const changed = !entry.published || verdictKey(entry.published) !== verdictKey(verdict);
    this.opts.checks?.inc({ result: failed ? 'error' : changed ? 'changed' : 'unchanged' });
    if (!changed) return;
    this.log.info('audit diagnosis changed', { instance: key, status: verdict.status, reason: verdict.reason, message: verdict.message });
    entry.published = verdict;
    this.opts.onChange(key);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.checkAll().finally(() => this.schedule());
    }, this.opts.intervalMs);
  }

  private async checkAll(): Promise<void> {
    // Sequential: each probe already scrapes an instance's pods in parallel.
    for (const key of [...this.entries.keys()]) {
      if (this.stopped) return;
      await this.check(key);
    }
  }

  /**
   * Stops the loop. Probes in flight are not awaited (a scrape may wait for its timeout, and a leader
   * hands over at once); they end by their scrape timeout and their results are dropped.
   */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.entries.clear();
  }
}
