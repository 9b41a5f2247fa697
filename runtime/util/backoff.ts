/**
 * Exponential backoff: `initialMs`, doubling up to `maxMs`. One shape for every retry loop (watch
 * restarts, store retries, work-queue requeues), so their delays read and test the same way.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Growth per failure; 2 unless said otherwise. */
  factor?: number;
}

/** The delay before retry number `attempt` (1 = the first retry). */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const factor = opts.factor ?? 2;
  const exponent = Math.max(0, attempt - 1);
  return Math.min(opts.maxMs, opts.initialMs * factor ** exponent);
}

/** A stateful backoff for loops: `next()` after a failure, `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions) {}

  next(): number {
    this.attempt += 1;
    return backoffDelay(this.attempt, this.opts);
  }

  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}
