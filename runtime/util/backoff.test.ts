import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from './backoff.ts';

describe('backoff', () => {
  it('doubles from the initial delay and stops at the maximum', () => {
    const opts = { initialMs: 50, maxMs: 300 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, opts))).toEqual([50, 100, 200, 300, 300]);
  });
  it('starts over after reset', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 1000 });
    expect([b.next(), b.next(), b.next()]).toEqual([10, 20, 40]);
    expect(b.failures).toBe(3);
    b.reset();
    expect(b.next()).toBe(10);
  });
});
