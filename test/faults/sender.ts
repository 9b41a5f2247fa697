/**
 * Posts audit batches as kube-apiserver's batching webhook backend does: each EventList in its own request,
 * several in flight; a failed request is retried with exponential backoff (×1.5, 20% jitter, 5 attempts in all,
 * at least the Retry-After it was given) when the apiserver would retry it — 429, 5xx, a reset connection or a
 * timeout — and given up otherwise, notably on a refused connection (k8s.io/apiserver webhook.DefaultShouldRetry).
 * Events of a batch given up are lost before anyone accepted them: counted as `gaveUp`.
 */
import { Agent, request } from 'node:http';
import type { AuditEvent } from '../../runtime/audit/types.ts';
import { sleep } from '../../runtime/util/sleep.ts';
import { eventList } from '../bench/audit/generate.ts';

export interface SenderOptions {
  /** Webhook URL, e.g. http://127.0.0.1:PORT/audit/CLUSTER. */
  url: string;
  /** First retry delay (the apiserver's --audit-webhook-initial-backoff, 10 s by default there). */
  initialBackoffMs: number;
  /** Attempts per batch, the first included (the apiserver makes 5). */
  attempts?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

export interface SendTotals {
  batches: number;
  sent: number;
  accepted: number;
  gaveUp: number;
  retries: number;
  /** Answers by status ('refused' for a refused connection, 'reset', 'timeout'). */
  answers: Record<string, number>;
}

type Outcome = { status: number; retryAfterMs: number } | { error: 'refused' | 'reset' | 'timeout' | 'other'; message: string };

const retryable = (o: Outcome): boolean => ('status' in o ? o.status === 429 || o.status >= 500 : o.error === 'reset' || o.error === 'timeout');

export class BatchSender {
  readonly totals: SendTotals = { batches: 0, sent: 0, accepted: 0, gaveUp: 0, retries: 0, answers: {} };
  /** Audit IDs of events in accepted batches: what must be in Jaeger. */
  readonly accepted = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly attempts: number;

  constructor(private readonly opts: SenderOptions) {
    this.attempts = opts.attempts ?? 5;
  }

  /** Starts sending one batch (returns at once); `onAccepted` runs when it is accepted. */
  send(items: AuditEvent[], onAccepted?: () => void): void {
    const p = this.deliver(items).then((ok) => {
      if (ok) onAccepted?.();
    });
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Sends one batch and waits for the outcome: true once accepted. */
  async deliver(items: AuditEvent[]): Promise<boolean> {
    this.totals.batches++;
    this.totals.sent += items.length;
    const body = eventList(items);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.post(body);
      const label = 'status' in outcome ? String(outcome.status) : outcome.error;
      this.totals.answers[label] = (this.totals.answers[label] ?? 0) + 1;
      if ('status' in outcome && outcome.status === 200) {
        this.totals.accepted += items.length;
        for (const e of items) this.accepted.add(e.auditID ?? '');
        return true;
      }
      if (!retryable(outcome) || attempt >= this.attempts) {
        this.totals.gaveUp += items.length;
        return false;
      }
      this.totals.retries++;
      const backoff = this.opts.initialBackoffMs * 1.5 ** (attempt - 1) * (1 + Math.random() * 0.2);
      await sleep(Math.max(backoff, 'status' in outcome ? outcome.retryAfterMs : 0));
    }
  }

  /** Waits for every batch in flight, retries included. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  close(): void {
    this.agent.destroy();
  }

  private post(body: string): Promise<Outcome> {
    return new Promise((resolve) => {
      const req = request(this.opts.url, { method: 'POST', agent: this.agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfterMs: Number(res.headers['retry-after'] ?? 0) * 1000 }));
        res.on('error', (err) => resolve({ error: 'reset', message: err.message }));
      });
      req.setTimeout(this.opts.timeoutMs ?? 30_000, () => {
        req.destroy();
        resolve({ error: 'timeout', message: 'request timed out' });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const error = err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.message === 'socket hang up' ? 'reset' : 'other';
        resolve({ error, message: err.message });
      });
      req.end(body);
    });
  }
}
