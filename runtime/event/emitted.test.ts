import { describe, expect, it } from 'vitest';
import { MemorySpanCache } from '../spancache/memory.ts';
import { EmittedMarks } from './emitted.ts';

function marks(cache = new MemorySpanCache(), claimTtlMs = 200) {
  return new EmittedMarks({ cache, cluster: 'c1', claimTtlMs, markTtlMs: 60_000 });
}

describe('EmittedMarks', () => {
  it('an emitted occurrence is reported as emitted to the next leader', async () => {
    const cache = new MemorySpanCache();
    const first = await marks(cache).claim('uid-1#1');
    if (first.emitted) throw new Error('fresh occurrence reported as emitted');
    await marks(cache).mark('uid-1#1', first.uid);
    expect(await marks(cache).claim('uid-1#1')).toEqual({ emitted: true });
    // Another count of the same Event, or another cluster, is another occurrence.
    expect((await marks(cache).claim('uid-1#2')).emitted).toBe(false);
    expect((await new EmittedMarks({ cache, cluster: 'c2', claimTtlMs: 200, markTtlMs: 60_000 }).claim('uid-1#1')).emitted).toBe(false);
  });

  it('a claim never marked (the leader died while sending) expires, and is then claimed again', async () => {
    const cache = new MemorySpanCache();
    expect((await marks(cache).claim('uid-2#1')).emitted).toBe(false);
    const started = Date.now();
    const again = await marks(cache).claim('uid-2#1');
    expect(again.emitted).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('waits out a live claim that gets marked', async () => {
    const cache = new MemorySpanCache();
    const first = await marks(cache, 5000).claim('uid-3#1');
    if (first.emitted) throw new Error('fresh occurrence reported as emitted');
    setTimeout(() => void marks(cache).mark('uid-3#1', first.uid), 100);
    expect(await marks(cache, 5000).claim('uid-3#1')).toEqual({ emitted: true });
  });
});
