import { describe, expect, it } from 'vitest';
import { nullLogger } from '../util/log.ts';
import { holdLease, type LeaseTiming } from './leaderElection.ts';
import type { LeaseLock } from './leaseLock.ts';

const timing: LeaseTiming = { leaseDurationMs: 60, renewDeadlineMs: 40, retryPeriodMs: 5 };

/** A lock whose renewals follow a script: true (renewed), false (taken by another), or an error. */
function scriptedLock(outcome: (attempt: number) => boolean | Error): LeaseLock & { attempts: number } {
  const lock = {
    namespace: 'ns',
    name: 'l',
    attempts: 0,
    async tryAcquireOrRenew() {
      const o = outcome(++lock.attempts);
      if (o instanceof Error) throw o;
      return o;
    },
  };
  return lock as unknown as LeaseLock & { attempts: number };
}

describe('holdLease', () => {
  it('renews until the signal aborts', async () => {
    const stop = new AbortController();
    const lock = scriptedLock((n) => {
      if (n === 3) stop.abort();
      return true;
    });
    expect(await holdLease(lock, timing, stop.signal, nullLogger)).toBe('stopped');
    expect(lock.attempts).toBe(3);
  });

  it('is lost at once when another identity holds the lease', async () => {
    const lock = scriptedLock((n) => n < 3);
    expect(await holdLease(lock, timing, new AbortController().signal, nullLogger)).toBe('lost');
    expect(lock.attempts).toBe(3);
  });

  it('survives failed renewals within renewDeadline, and steps down after it', async () => {
    const stop = new AbortController();
    const flaky = scriptedLock((n) => {
      if (n === 6) stop.abort();
      return n % 2 ? new Error('apiserver hiccup') : true;
    });
    // A generous deadline here: on a loaded machine two 5 ms sleeps may take far longer.
    expect(await holdLease(flaky, { ...timing, renewDeadlineMs: 1000, leaseDurationMs: 1500 }, stop.signal, nullLogger)).toBe('stopped');

    const down = scriptedLock(() => new Error('apiserver down'));
    const started = Date.now();
    expect(await holdLease(down, timing, new AbortController().signal, nullLogger)).toBe('lost');
    expect(Date.now() - started).toBeGreaterThanOrEqual(timing.renewDeadlineMs);
  });
});
