import { describe, expect, it } from 'vitest';
import { nullLogger } from '../util/log.ts';
import { KubeApiError } from './errors.ts';
import { holdLease, isUnreachable, type LeaseTiming } from './leaderElection.ts';
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

  it('with keepWhileUnreachable, leads on through an apiserver outage and steps down only when another holder is seen', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    // Down for well past renewDeadline, back (renewed), then the lease seen taken by another candidate.
    let downUntil = 0;
    let renewedAfter = 0;
    const outage = scriptedLock((n) => {
      if (n === 1) downUntil = Date.now() + 3 * timing.renewDeadlineMs;
      if (Date.now() < downUntil) return refused;
      return ++renewedAfter <= 2;
    });
    const started = Date.now();
    expect(await holdLease(outage, timing, new AbortController().signal, nullLogger, { keepWhileUnreachable: true })).toBe('lost');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * timing.renewDeadlineMs);
    expect(renewedAfter).toBe(3);
    // The same outage without the option ends the lease after renewDeadline.
    expect(await holdLease(scriptedLock(() => refused), timing, new AbortController().signal, nullLogger)).toBe('lost');
  });

  it('with keepWhileUnreachable, still steps down after renewDeadline when the apiserver refuses the renewal', async () => {
    const forbidden = scriptedLock(() => new KubeApiError('c1', 'GET', '/apis/coordination.k8s.io/v1/namespaces/ns/leases/l', 403, 'Forbidden', 'no'));
    const started = Date.now();
    expect(await holdLease(forbidden, timing, new AbortController().signal, nullLogger, { keepWhileUnreachable: true })).toBe('lost');
    expect(Date.now() - started).toBeLessThan(20 * timing.renewDeadlineMs);
  });

  it('tells an unreachable apiserver from a refusal', () => {
    const api = (code: number) => new KubeApiError('c1', 'GET', '/p', code, '', 'x');
    expect(isUnreachable(new Error('socket hang up'))).toBe(true);
    expect(isUnreachable(api(503))).toBe(true);
    expect(isUnreachable(api(429))).toBe(true);
    expect(isUnreachable(api(403))).toBe(false);
    expect(isUnreachable(api(401))).toBe(false);
  });
});
