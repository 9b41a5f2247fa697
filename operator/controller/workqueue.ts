/**
 * A de-duplicating, rate-limited work queue with client-go semantics: a key waiting in the queue is
 * held once however often it is added; a key being processed is never handed to a second worker —
 * re-adds while it is processed are deferred until `done`; failures back off per key exponentially.
 */
import type { Counter, Gauge } from 'prom-client';
import { backoffDelay } from '../../runtime/util/backoff.ts';

export interface RateLimiterOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Per-key exponential backoff (controller-runtime default: 5 ms doubling up to 1000 s). */
export class ItemExponentialRateLimiter {
  private readonly failures = new Map<string, number>();
  constructor(private readonly opts: RateLimiterOptions = { baseDelayMs: 5, maxDelayMs: 1_000_000 }) {}

  when(key: string): number {
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    return backoffDelay(attempt, { initialMs: this.opts.baseDelayMs, maxMs: this.opts.maxDelayMs });
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

export interface WorkQueueMetrics {
  depth?: Gauge;
  adds?: Counter;
  retries?: Counter;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(
    readonly limiter = new ItemExponentialRateLimiter(),
    private readonly metrics: WorkQueueMetrics = {},
  ) {}

  add(key: string): void {
    if (this.shuttingDown) return;
    this.metrics.adds?.inc();
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds the key after a delay; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  addRateLimited(key: string): void {
    this.metrics.retries?.inc();
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** Waits for the next key; undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
  }

  len(): number {
    return this.queue.length;
  }

  isProcessing(): boolean {
    return this.processing.size > 0;
  }

  /** Stops handing out keys; workers waiting in get() receive undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(this.take(key));
      return;
    }
    this.queue.push(key);
    this.metrics.depth?.set(this.queue.length);
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    this.metrics.depth?.set(this.queue.length);
    return key;
  }
}
