/**
 * Readiness of the storage plugin's backend: a background probe asks Jaeger remote storage an empty
 * GetTraces until it answers, then keeps checking now and then. Any reply from the server counts (even
 * an error status); only "no connection" / "no reply in time" do not. Owned by the plugin component,
 * stopped with it; the result is the gauge `jaeger_backend_up`.
 */
import * as grpc from '@grpc/grpc-js';
import type { Gauge, Registry } from 'prom-client';
import { gauge } from '../runtime/metrics/define.ts';
import { Backoff } from '../runtime/util/backoff.ts';
import type { Logger } from '../runtime/util/log.ts';
import { sleep } from '../runtime/util/sleep.ts';

/** Status codes that mean the server did not answer (not a reply from it). */
const NO_ANSWER = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.CANCELLED]);

/** Whether a probe's rejection still came from the server. */
export function answered(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    const code = (e as Partial<grpc.ServiceError>).code;
    if (typeof code === 'number') return !NO_ANSWER.has(code);
  }
  return false;
}

export interface BackendProbeOptions {
  /** One cheap call to the backend; `signal` aborts it at stop. */
  probe: (signal: AbortSignal) => Promise<unknown>;
  address: string;
  logger: Logger;
  registry: Registry;
  /** Between checks once the backend answered. */
  intervalMs?: number;
}

export class BackendProbe {
  private up = false;
  private readonly stopping = new AbortController();
  private readonly gauge: Gauge;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: BackendProbeOptions) {
    this.gauge = gauge(opts.registry, 'jaeger_backend_up', 'Whether Jaeger remote storage answered the last readiness probe (1) or not (0).', []);
  }

  /** Whether the backend answered the last probe. */
  get ready(): boolean {
    return this.up;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { signal } = this.stopping;
    const backoff = new Backoff({ initialMs: 200, maxMs: 5_000 });
    while (!signal.aborted) {
      const ok = await this.check();
      if (ok !== this.up) this.opts.logger.info(ok ? 'remote storage answered' : 'remote storage stopped answering', { address: this.opts.address });
      this.up = ok;
      this.gauge.set(ok ? 1 : 0);
      if (ok) backoff.reset();
      await sleep(ok ? (this.opts.intervalMs ?? 30_000) : backoff.next(), signal);
    }
  }

  private async check(): Promise<boolean> {
    try {
      await this.opts.probe(this.stopping.signal);
      return true;
    } catch (err) {
      if (answered(err)) return true;
      this.opts.logger.debug('remote storage readiness probe failed', { address: this.opts.address, err });
      return false;
    }
  }
}
