import { describe, expect, it } from 'vitest';
import { ItemExponentialRateLimiter, WorkQueue } from './workqueue.ts';

describe('WorkQueue', () => {
  it('de-duplicates keys waiting in the queue', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands out a key being processed; a re-add while processing runs once after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    q.done(k!);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('wakes a waiting worker and releases waiters on shutdown', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    expect(await waiting).toBe('x');
    const idle = q.get();
    q.shutDown();
    expect(await idle).toBeUndefined();
    q.add('y');
    expect(q.len()).toBe(0);
  });

  it('addAfter delays, and the earlier of two delays wins', async () => {
    const q = new WorkQueue();
    q.addAfter('a', 200);
    q.addAfter('a', 20);
    const start = Date.now();
    expect(await q.get()).toBe('a');
    expect(Date.now() - start).toBeLessThan(150);
  });
});

describe('ItemExponentialRateLimiter', () => {
  it('doubles per failure up to the cap and forgets', () => {
    const r = new ItemExponentialRateLimiter({ baseDelayMs: 5, maxDelayMs: 30 });
    expect([r.when('k'), r.when('k'), r.when('k'), r.when('k')]).toEqual([5, 10, 20, 30]);
    expect(r.when('other')).toBe(5);
    r.forget('k');
    expect(r.when('k')).toBe(5);
  });
});
