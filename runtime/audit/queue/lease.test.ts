import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { nullLogger } from '../../util/log.ts';
import { assignPartitions, LeaseManager, type LeaseStore } from './lease.ts';

/** A lease store with a hand-driven clock, shared by the managers of one test like Redis is. */
class FakeStore implements LeaseStore {
  now = 0;
  readonly leases = new Map<number, { holder: string; until: number }>();
  readonly alive = new Map<string, number>();

  private holder(p: number): string | undefined {
    const l = this.leases.get(p);
    return l && l.until > this.now ? l.holder : undefined;
  }
  heartbeat(replica: string, ttlMs: number): Promise<string[]> {
    this.alive.set(replica, this.now + ttlMs);
    for (const [r, until] of this.alive) if (until <= this.now) this.alive.delete(r);
    return Promise.resolve([...this.alive.keys()].sort());
  }
  acquire(p: number, replica: string, ttlMs: number): Promise<boolean> {
    if (this.holder(p)) return Promise.resolve(false);
    this.leases.set(p, { holder: replica, until: this.now + ttlMs });
    return Promise.resolve(true);
  }
  renew(p: number, replica: string, ttlMs: number): Promise<boolean> {
    if (this.holder(p) !== replica) return Promise.resolve(false);
    this.leases.set(p, { holder: replica, until: this.now + ttlMs });
    return Promise.resolve(true);
  }
  release(p: number, replica: string): Promise<void> {
    if (this.holder(p) === replica) this.leases.delete(p);
    return Promise.resolve();
  }
  leave(replica: string): Promise<void> {
    this.alive.delete(replica);
    return Promise.resolve();
  }
}

function manager(store: FakeStore, replica: string, log: string[], partitions = 6) {
  return new LeaseManager(
    { partitions, replica, leaseMs: 10_000, renewMs: 3_000 },
    {
      store,
      registry: new Registry(),
      logger: nullLogger,
      gained: (p) => log.push(`${replica}+${p}`),
      lost: (p) => {
        log.push(`${replica}-${p}`);
        return Promise.resolve();
      },
    },
  );
}

/** Lets hand-backs (promise chains) finish. */
const settle = () => new Promise((r) => setTimeout(r, 0));

/** Every partition held by exactly one live replica's lease. */
function holders(store: FakeStore, partitions = 6): (string | undefined)[] {
  return Array.from({ length: partitions }, (_, p) => store.leases.get(p)?.holder);
}

describe('partition leases', () => {
  it('splits partitions evenly and deterministically', () => {
    expect([...assignPartitions(['a'], 4, 'a')]).toEqual([0, 1, 2, 3]);
    expect([...assignPartitions(['a', 'b'], 5, 'a')]).toEqual([0, 2, 4]);
    expect([...assignPartitions(['b', 'a'], 5, 'b')]).toEqual([1, 3]);
    // A replica not yet in the list counts itself in.
    expect([...assignPartitions(['b'], 4, 'a')]).toEqual([0, 2]);
  });

  it('a joining replica gets its share once the other hands it back, never two owners at once', async () => {
    const store = new FakeStore();
    const log: string[] = [];
    const a = manager(store, 'a', log);
    await a.tick();
    expect(a.owned).toEqual([0, 1, 2, 3, 4, 5]);
    const b = manager(store, 'b', log);
    await b.tick(); // b's share (1, 3, 5) is still held by a
    expect(b.owned).toEqual([]);
    await a.tick(); // a sees b and hands 1, 3, 5 back after their readers stopped
    await settle();
    expect(a.owned).toEqual([0, 2, 4]);
    expect(holders(store)).toEqual(['a', undefined, 'a', undefined, 'a', undefined]);
    await b.tick();
    expect(b.owned).toEqual([1, 3, 5]);
    expect(holders(store)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(log).toEqual(['a+0', 'a+1', 'a+2', 'a+3', 'a+4', 'a+5', 'a-1', 'a-3', 'a-5', 'b+1', 'b+3', 'b+5']);
  });

  it("a dead replica's partitions are taken once its heartbeat and leases expire", async () => {
    const store = new FakeStore();
    const a = manager(store, 'a', []);
    const b = manager(store, 'b', []);
    await a.tick();
    await b.tick();
    await a.tick();
    await settle();
    await b.tick();
    expect(b.owned).toEqual([1, 3, 5]);
    // b dies (no more ticks); before its lease expires a cannot take its partitions.
    store.now += 5_000;
    await a.tick();
    expect(a.owned).toEqual([0, 2, 4]);
    store.now += 6_000;
    await a.tick();
    expect(a.owned).toEqual([0, 1, 2, 3, 4, 5]);
    expect(holders(store)).toEqual(['a', 'a', 'a', 'a', 'a', 'a']);
  });

  it('a lease lost (expired and taken) stops its reader', async () => {
    const store = new FakeStore();
    const log: string[] = [];
    const a = manager(store, 'a', log, 1);
    await a.tick();
    store.now += 11_000;
    await store.acquire(0, 'z', 10_000);
    await a.tick();
    expect(a.owned).toEqual([]);
    expect(log).toEqual(['a+0', 'a-0']);
  });

  it('stop hands every partition back and leaves, so the others re-balance at once', async () => {
    const store = new FakeStore();
    const a = manager(store, 'a', []);
    const b = manager(store, 'b', []);
    a.start();
    await settle();
    await b.tick();
    await a.stop();
    expect(holders(store).every((h) => h === undefined || h === 'b')).toBe(true);
    expect([...store.alive.keys()]).toEqual(['b']);
    await b.tick();
    expect(b.owned).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
