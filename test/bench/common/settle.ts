import { sleep } from '../../../runtime/util/sleep.ts';

export interface SettleOptions {
  /** Stop waiting once this holds. */
  done: () => boolean;
  /** A figure that grows while work is still arriving. */
  progress: () => number;
  /** Give up once `progress` has not moved for this long. */
  idleMs: number;
  pollMs: number;
  /** Run before each check, e.g. to flush a batch. */
  nudge?: () => Promise<void>;
}

/** Waits for asynchronous work to finish, or to stop moving (then the caller reports what arrived). */
export async function settle(o: SettleOptions): Promise<void> {
  let last = o.progress();
  let movedAt = Date.now();
  while (!o.done()) {
    await o.nudge?.();
    await sleep(o.pollMs);
    const now = o.progress();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt >= o.idleMs) return;
  }
}
