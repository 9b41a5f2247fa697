/**
 * Re-POSTs every accepted EventList to other audit webhooks (spec 5.4), asynchronously, with the
 * original's headers. In-flight requests per target are bounded; a batch beyond the bound is dropped,
 * counted (`audit_forward_proxy{success="dropped"}`) and logged rather than buffered without limit.
 */
import type { Registry } from 'prom-client';
import type { AuditWebhookConfig } from '../config/sections/audit.ts';
import { histogram } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';

type Target = AuditWebhookConfig['forward'][number];

export const forwardHeader = 'x-kubetrace-webhook-forward';
export const forwardHeaderValue = 'from-kubetrace';

export class AuditForwarder {
  private readonly targets: Target[];
  private readonly logger: Logger;
  private readonly inFlight = new Map<string, Set<Promise<void>>>();
  private readonly metric;

  /** `targets` is `audit.webhook.forward`. */
  constructor(targets: Target[], deps: { registry: Registry; logger: Logger }) {
    this.targets = targets;
    this.logger = deps.logger;
    this.metric = histogram(deps.registry, 'audit_forward_proxy', 'Audit batches forwarded (seconds)', ['upstream', 'cluster', 'success']);
    for (const t of targets) this.inFlight.set(t.name, new Set());
  }

  forward(cluster: string, sourceAddr: string, body: Buffer): void {
    for (const target of this.targets) {
      const running = this.inFlight.get(target.name)!;
      if (running.size >= target.maxInFlight) {
        this.metric.observe({ upstream: target.name, cluster, success: 'dropped' }, 0);
        this.logger.error('audit forward dropped a batch: too many requests in flight', { upstream: target.name, cluster, maxInFlight: target.maxInFlight });
        continue;
      }
      const p = this.send(target, cluster, sourceAddr, body).finally(() => running.delete(p));
      running.add(p);
    }
  }

  private async send(target: Target, cluster: string, sourceAddr: string, body: Buffer): Promise<void> {
    const url = target.url.replaceAll(':cluster', encodeURIComponent(cluster));
    const end = this.metric.startTimer({ upstream: target.name, cluster });
    try {
      const res = await fetch(url, {
        method: 'POST',
        // A copy typed as a plain ArrayBuffer view, which fetch's types require.
        body: new Uint8Array(body),
        headers: { 'content-type': 'application/json', 'x-forwarded-for': sourceAddr, [forwardHeader]: forwardHeaderValue },
        signal: AbortSignal.timeout(target.timeout),
      });
      await res.arrayBuffer();
      // Unlike the original, a refusal counts as a failure: the upstream did not take the batch.
      end({ success: String(res.ok) });
      if (!res.ok) this.logger.warn('audit forward refused', { upstream: target.name, cluster, status: res.status });
    } catch (err) {
      end({ success: 'false' });
      this.logger.warn('audit forward failed', { upstream: target.name, cluster, err });
    }
  }

  /** Waits for requests in flight (each bounded by its timeout). */
  async stop(): Promise<void> {
    await Promise.all([...this.inFlight.values()].flatMap((s) => [...s]));
  }
}
