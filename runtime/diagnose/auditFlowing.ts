/**
 * The operator's `AuditFlowing` condition: the audit checks of diagnose() turned into a condition whose
 * message is the suggestion, so `kubectl describe kelemetryinstance` explains a half-working install.
 *
 * Operator wiring (per instance, on each periodic resync):
 *   const probe = probes.get(key) ?? new AuditFlowingProbe(core, (t) => scraper.scrape(t), 5 * 60_000);  // scraper = new PodProxyScraper(kc)
 *   const cond = await probe.check({ namespace, name, auditEndpoint: status.auditWebhook?.clusters[0]?.url });
 *   setCondition(status, { ...cond, lastTransitionTime, observedGeneration });
 */
import type * as k8s from '@kubernetes/client-node';
import { diagnose } from './diagnose.ts';
import { findInstancePods, scrapeAll, type PodTarget, type ScrapeFailure } from './kubeTargets.ts';
import type { Scrape } from './metricSet.ts';
import type { Finding } from './types.ts';
import { ScrapeWindow } from './window.ts';

export const AUDIT_FLOWING = 'AuditFlowing';

export interface AuditFlowingCondition {
  type: typeof AUDIT_FLOWING;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

const reasons: Record<string, string> = {
  auditRequests: 'NoAuditRequests',
  auditRefused: 'AuditRequestsRefused',
  auditEvents: 'AuditEventsNotTraced',
  spansSent: 'SpansNotExported',
  cacheErrors: 'CacheErrors',
};

function condition(status: AuditFlowingCondition['status'], reason: string, message: string): AuditFlowingCondition {
  return { type: AUDIT_FLOWING, status, reason, message };
}

/**
 * Judges the audit path from findings. `windowComplete` false means the figures cover less than the
 * window, so a quiet period yields Unknown rather than False.
 */
export function auditFlowingCondition(findings: Finding[], opts: { windowComplete: boolean; failures?: ScrapeFailure[] }): AuditFlowingCondition {
  const failures = opts.failures ?? [];
  const byId = new Map(findings.map((f) => [f.id, f]));
  const requests = byId.get('auditRequests');
  if (!requests || requests.absent) {
    const why = failures.length ? `cannot read the consumer's metrics: ${failures.map((f) => f.error).join('; ')}` : 'no scraped process exports audit webhook metrics (is the consumer running?)';
    return condition('Unknown', 'MetricsUnavailable', why);
  }
  if (!requests.ok && !opts.windowComplete) return condition('Unknown', 'Waiting', `${requests.message}; waiting for a full window before judging`);
  for (const id of ['auditRequests', 'auditRefused', 'auditEvents', 'spansSent', 'cacheErrors']) {
    const f = byId.get(id);
    if (f && !f.ok) return condition('False', reasons[id]!, `${f.message}: ${f.suggestion}`);
  }
  const events = byId.get('auditEvents');
  const message = [requests.message, events && !events.absent ? events.message : undefined].filter(Boolean).join('; ');
  return condition('True', 'AuditEventsReceived', failures.length ? `${message} (not scraped: ${failures.map((f) => f.target).join(', ')})` : message);
}

/** Scrapes an instance's pods, keeps the window, and returns the condition. One per instance. */
export class AuditFlowingProbe {
  private readonly window: ScrapeWindow;

  constructor(
    private readonly core: k8s.CoreV1Api,
    /** Usually `(t) => new PodProxyScraper(kc).scrape(t)`; the operator in-cluster may scrape pod IPs directly. */
    private readonly scrape: (t: PodTarget) => Promise<Scrape>,
    windowMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.window = new ScrapeWindow(windowMs);
  }

  async check(instance: { namespace: string; name: string; auditEndpoint?: string }): Promise<{ condition: AuditFlowingCondition; findings: Finding[] }> {
    const { targets } = await findInstancePods(this.core, instance.namespace, instance.name);
    const { scrapes, failures } = await scrapeAll(targets, this.scrape, (t) => t.target);
    const base = this.window.record(this.now(), scrapes);
    const findings = diagnose({ current: scrapes, previous: base.previous, windowSeconds: base.windowSeconds, auditEndpoint: instance.auditEndpoint });
    return { condition: auditFlowingCondition(findings, { windowComplete: base.complete, failures }), findings };
  }
}
