/**
 * The shared record of Events already emitted (issue "Nothing lost", item 4). Progress (progress.ts)
 * is saved every sync interval, so a leader killed without its final save leaves up to one interval of
 * emitted Events unsaved, and the next leader would emit them again. Each emission therefore also
 * leaves a short-lived mark in the shared span cache (the store replicas already agree through):
 *  - claim: `fetchOrReserve` — an initialized mark means already emitted; otherwise we hold a
 *    reservation, which lives one Lease duration, so a dead leader's claim has expired by the time a new
 *    leader is elected, and a claim whose send failed frees itself;
 *  - mark: `setReserved` after the span was sent, living as long as an Event can still be handled
 *    (maxEventAge), so no later leader's checkpoint needs to cover it.
 * Marking after sending keeps at-least-once: only a crash between send and mark (milliseconds) repeats.
 */
import { SpanCacheError, type SpanCache } from '../spancache/types.ts';
import { Backoff } from '../util/backoff.ts';
import { sleep } from '../util/sleep.ts';

export interface EmittedMarksOptions {
  cache: SpanCache;
  cluster: string;
  /** Lifetime of a claim (one Lease duration). */
  claimTtlMs: number;
  /** Lifetime of a mark (maxEventAge). */
  markTtlMs: number;
}

export type Claim = { emitted: true } | { emitted: false; uid: string };

export class EmittedMarks {
  constructor(private readonly opts: EmittedMarksOptions) {}

  /** Beside the span cache's `<object key>/field=…` keys, never equal to one. */
  private key(occurrence: string): string {
    return `_event/${this.opts.cluster}/${occurrence}`;
  }

  /**
   * Whether the occurrence was already emitted, or else our claim to emit it. Another emitter's live
   * claim is waited out (it either marks the occurrence or expires).
   */
  async claim(occurrence: string, signal?: AbortSignal): Promise<Claim> {
    const key = this.key(occurrence);
    const deadline = Date.now() + this.opts.claimTtlMs + 1000;
    const backoff = new Backoff({ initialMs: 50, maxMs: 1000 });
    for (;;) {
      try {
        const entry = await this.opts.cache.fetchOrReserve(key, this.opts.claimTtlMs);
        return entry.value === null ? { emitted: false, uid: entry.uid } : { emitted: true };
      } catch (err) {
        const claimed = err instanceof SpanCacheError && err.kind === 'AlreadyReserved';
        if (!claimed || Date.now() > deadline || signal?.aborted) {
          throw new Error(`claiming event ${key} in the span cache: ${(err as Error).message}`, { cause: err });
        }
        await sleep(backoff.next(), signal);
      }
    }
  }

  /** Records that the claimed occurrence was emitted. */
  async mark(occurrence: string, uid: string): Promise<void> {
    await this.opts.cache.setReserved(this.key(occurrence), '1', uid, this.opts.markTtlMs);
  }
}
