import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { nullLogger } from '../../util/log.ts';
import { PartitionedQueue } from './memory.ts';

describe('partitioned queue', () => {
  it('keeps per-key order across partitions processed concurrently', async () => {
    const q = new PartitionedQueue<{ key: string; n: number }>({ partitions: 4, capacity: 10_000 }, { registry: new Registry(), logger: nullLogger });
    const seen = new Map<string, number[]>();
    q.start(async (v) => {
      await new Promise((r) => setTimeout(r, Math.random() * 2));
      seen.set(v.key, [...(seen.get(v.key) ?? []), v.n]);
    });
    const items = [];
    for (let n = 0; n < 50; n++) for (const key of ['a', 'b', 'c', 'd', 'e']) items.push({ key, value: { key, n } });
    expect(q.tryEnqueueAll(items)).toBe(true);
    expect(await q.stop(10_000)).toBe(0);
    for (const key of ['a', 'b', 'c', 'd', 'e']) expect(seen.get(key)).toEqual([...Array(50).keys()]);
  });

  it('a slow object holds up only itself, not the other objects of its partition', async () => {
    const q = new PartitionedQueue<{ key: string; n: number }>({ partitions: 1, capacity: 100 }, { registry: new Registry(), logger: nullLogger });
    const done: string[] = [];
    q.start(async (v) => {
      await new Promise((r) => setTimeout(r, v.key === 'slow' ? 300 : 5));
      done.push(`${v.key}${v.n}`);
    });
    q.tryEnqueueAll([
      { key: 'slow', value: { key: 'slow', n: 1 } },
      { key: 'slow', value: { key: 'slow', n: 2 } },
      ...[1, 2, 3].map((n) => ({ key: 'fast', value: { key: 'fast', n } })),
    ]);
    expect(await q.stop(5_000)).toBe(0);
    // The fast object finished first, and each object kept its own order.
    expect(done).toEqual(['fast1', 'fast2', 'fast3', 'slow1', 'slow2']);
  });

  it("a blocked object's queued events do not take the slots other objects of its partition could use", async () => {
    const q = new PartitionedQueue<{ key: string; n: number }>(
      { partitions: 1, capacity: 100, perPartitionConcurrency: 2 },
      { registry: new Registry(), logger: nullLogger },
    );
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let fastDone!: () => void;
    const fast = new Promise<void>((r) => (fastDone = r));
    const done: string[] = [];
    q.start(async (v) => {
      if (v.key === 'slow') await gate;
      done.push(`${v.key}${v.n}`);
      if (v.key === 'fast') fastDone();
    });
    // Four events of the blocked object queue ahead of the other object's event, on the same partition.
    const slow = [1, 2, 3, 4].map((n) => ({ key: 'slow', value: { key: 'slow', n } }));
    expect(q.tryEnqueueAll([...slow, { key: 'fast', value: { key: 'fast', n: 1 } }])).toBe(true);
    const timeout = new Promise<string>((r) => setTimeout(() => r('timed out'), 1_000));
    expect(await Promise.race([fast.then(() => 'done'), timeout])).toBe('done');
    expect(done).toEqual(['fast1']);
    expect(q.depth).toBe(4);
    release();
    expect(await q.stop(5_000)).toBe(0);
    expect(done).toEqual(['fast1', 'slow1', 'slow2', 'slow3', 'slow4']);
  });

  it('bounds the objects handled at once per partition', async () => {
    const q = new PartitionedQueue<number>({ partitions: 1, capacity: 100, perPartitionConcurrency: 3 }, { registry: new Registry(), logger: nullLogger });
    let running = 0;
    let peak = 0;
    q.start(async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
    });
    q.tryEnqueueAll(Array.from({ length: 20 }, (_, n) => ({ key: `k${n}`, value: n })));
    expect(await q.stop(5_000)).toBe(0);
    expect(peak).toBe(3);
  });

  it('keeps the bound and per-object order when objects have events waiting behind them', async () => {
    const q = new PartitionedQueue<{ key: string; n: number }>(
      { partitions: 1, capacity: 100, perPartitionConcurrency: 2 },
      { registry: new Registry(), logger: nullLogger },
    );
    const active = new Set<string>();
    let peak = 0;
    const seen = new Map<string, number[]>();
    q.start(async (v) => {
      expect(active.has(v.key)).toBe(false);
      active.add(v.key);
      peak = Math.max(peak, active.size);
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      seen.set(v.key, [...(seen.get(v.key) ?? []), v.n]);
      active.delete(v.key);
    });
    const keys = ['a', 'b', 'c', 'd'];
    const items = [];
    for (let n = 0; n < 10; n++) for (const key of keys) items.push({ key, value: { key, n } });
    expect(q.tryEnqueueAll(items)).toBe(true);
    expect(await q.stop(10_000)).toBe(0);
    expect(peak).toBe(2);
    expect(q.depth).toBe(0);
    for (const key of keys) expect(seen.get(key)).toEqual([...Array(10).keys()]);
  });

  it('admits a batch whole or not at all, and counts depth in the lag gauge', async () => {
    const registry = new Registry();
    const q = new PartitionedQueue<number>({ partitions: 2, capacity: 5 }, { registry, logger: nullLogger });
    expect(q.tryEnqueueAll([1, 2, 3].map((n) => ({ key: String(n), value: n })))).toBe(true);
    expect(q.tryEnqueueAll([4, 5, 6].map((n) => ({ key: String(n), value: n })))).toBe(false);
    expect(q.depth).toBe(3);
    const lag = await registry.getSingleMetric('audit_mq_local_lag')!.get();
    expect(lag.values.reduce((s, v) => s + v.value, 0)).toBe(3);
    // Gauges are set at scrape time, not accumulated (spec Appendix A.12).
    const again = await registry.getSingleMetric('audit_mq_local_lag')!.get();
    expect(again.values.reduce((s, v) => s + v.value, 0)).toBe(3);
  });

  it('bounds the bytes held as well as the count; an empty queue takes any batch; bytes are freed as events finish', async () => {
    const registry = new Registry();
    const q = new PartitionedQueue<string>({ partitions: 2, capacity: 1_000, capacityBytes: 1_000 }, { registry, logger: nullLogger });
    const item = (key: string, bytes: number) => ({ key, value: key, bytes });
    expect(q.tryEnqueueAll([item('big', 5_000)])).toBe(true);
    expect(q.tryEnqueueAll([item('a', 10)])).toBe(false);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    q.start(async (v) => {
      if (v === 'big') await gate;
    });
    expect(q.tryEnqueueAll([item('a', 10)])).toBe(false);
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(q.tryEnqueueAll([item('b', 600), item('c', 300)])).toBe(true);
    expect(q.tryEnqueueAll([item('d', 200)])).toBe(q.depth === 0);
    const bytes = (await registry.getSingleMetric('audit_queue_capacity_bytes')!.get()).values[0]!.value;
    expect(bytes).toBe(1_000);
    expect(await q.stop(5_000)).toBe(0);
    expect((await registry.getSingleMetric('audit_queue_bytes')!.get()).values[0]!.value).toBe(0);
  });

  it('stop abandons what cannot drain in time and reports how much', async () => {
    const q = new PartitionedQueue<number>({ partitions: 1, capacity: 100 }, { registry: new Registry(), logger: nullLogger });
    q.start(() => new Promise((r) => setTimeout(r, 50)));
    q.tryEnqueueAll([1, 2, 3, 4, 5].map((n) => ({ key: 'k', value: n })));
    const left = await q.stop(60);
    expect(left).toBeGreaterThan(0);
    expect(q.tryEnqueueAll([{ key: 'k', value: 9 }])).toBe(false);
  });
});
