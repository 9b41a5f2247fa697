/**
 * Partition ownership for the durable audit queue: each partition is read by one replica at a time,
 * the holder of its lease. Every `renewInterval` a replica writes its heartbeat, reads who is alive,
 * computes its fair share (`assignPartitions`), renews the leases it keeps, hands back those it should
 * no longer hold (after its reader finished and acknowledged what it took), and takes the free ones of
 * its share. A dead replica stops heartbeating and renewing: after `leaseDuration` its partitions go to
 * the survivors. The store (Redis in production, a fake in tests) makes each step atomic.
 */
import type { Counter, Registry } from 'prom-client';
import { counter, gauge } from '../../metrics/define.ts';
import type { Logger } from '../../util/log.ts';
import { sleep } from '../../util/sleep.ts';

export interface LeaseStore {
  /** Records `replica` as alive for `ttlMs` and returns every live replica, sorted. */
  heartbeat(replica: string, ttlMs: number): Promise<string[]>;
  /** Takes the lease if nobody holds it. */
  acquire(partition: number, replica: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease if `replica` still holds it. */
  renew(partition: number, replica: string, ttlMs: number): Promise<boolean>;
  /** Deletes the lease if `replica` holds it. */
  release(partition: number, replica: string): Promise<void>;
  /** Removes the heartbeat, so the others re-balance at once rather than after it expires. */
  leave(replica: string): Promise<void>;
}

/** Partition p belongs to live[p mod n]: every replica computes the same split from the same list. */
export function assignPartitions(live: string[], partitions: number, me: string): Set<number> {
  const sorted = live.includes(me) ? [...live].sort() : [...live, me].sort();
  const mine = new Set<number>();
  for (let p = 0; p < partitions; p++) if (sorted[p % sorted.length] === me) mine.add(p);
  return mine;
}

export interface LeaseSettings {
  partitions: number;
  replica: string;
  leaseMs: number;
  renewMs: number;
}

export interface LeaseDeps {
  store: LeaseStore;
  /** Starts reading a partition just taken. */
  gained(partition: number): void;
  /** Stops reading a partition: resolves once what was taken is finished and acknowledged. */
  lost(partition: number): Promise<void>;
  /** Runs after each round (the queue samples its stream lag here). */
  afterTick?: () => Promise<void>;
  registry: Registry;
  logger: Logger;
}

type Change = 'acquired' | 'released' | 'lost';

export class LeaseManager {
  private readonly cfg: LeaseSettings;
  private readonly deps: LeaseDeps;
  /** Partitions held: `owned` are read, `releasing` are renewed until their reader has finished. */
  private readonly held = new Map<number, 'owned' | 'releasing'>();
  private readonly changes: Counter<'change'>;
  private readonly errors: Counter<'step'>;
  private readonly releases = new Set<Promise<void>>();
  private readonly stopSignal = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(cfg: LeaseSettings, deps: LeaseDeps) {
    this.cfg = cfg;
    this.deps = deps;
    const r = deps.registry;
    this.changes = counter(r, 'audit_queue_lease_changes_total', 'Partition leases taken, handed back or lost by this replica', ['change']);
    this.errors = counter(r, 'audit_queue_lease_errors_total', 'Lease loop steps that failed (heartbeat, renew, acquire, release)', ['step']);
    gauge(r, 'audit_queue_partitions_owned', 'Audit queue partitions this replica reads', [], (g) => g.set(this.owned.length));
  }

  get owned(): number[] {
    return [...this.held]
      .filter(([, s]) => s === 'owned')
      .map(([p]) => p)
      .sort((x, y) => x - y);
  }

  /** One round: heartbeat, renew, hand back, take. Public for tests; the loop calls it. */
  async tick(): Promise<void> {
    const { store } = this.deps;
    const { replica, leaseMs, partitions } = this.cfg;
    const live = await this.step('heartbeat', () => store.heartbeat(replica, leaseMs));
    const share = assignPartitions(live ?? [replica], partitions, replica);
    for (const p of [...this.held.keys()]) {
      if ((await this.step('renew', () => store.renew(p, replica, leaseMs))) === false) this.lose(p);
    }
    // Without a fresh view of the others, take nothing new: hand-backs still go ahead.
    for (const [p, state] of this.held) if (state === 'owned' && !share.has(p)) this.handBack(p);
    if (live === undefined) return;
    for (const p of share) {
      if (this.held.has(p) || this.stopSignal.signal.aborted) continue;
      if (await this.step('acquire', () => store.acquire(p, replica, leaseMs))) {
        this.held.set(p, 'owned');
        this.count('acquired', p);
        this.deps.gained(p);
      }
    }
  }

  private async step<R>(step: string, run: () => Promise<R>): Promise<R | undefined> {
    try {
      return await run();
    } catch (err) {
      this.errors.inc({ step });
      this.deps.logger.warn('audit queue lease step failed', { step, replica: this.cfg.replica, err });
      return undefined;
    }
  }

  private count(change: Change, partition: number): void {
    this.changes.inc({ change });
    this.deps.logger.info('audit queue partition lease', { change, partition, replica: this.cfg.replica });
  }

  /** Someone else holds the lease now (ours expired): stop reading; what was processed may still be acked. */
  private lose(p: number): void {
    const state = this.held.get(p);
    this.held.delete(p);
    this.count('lost', p);
    if (state === 'owned') void this.deps.lost(p);
  }

  /** Keeps renewing while the reader finishes, then deletes the lease so the new owner starts after our acks. */
  private handBack(p: number): void {
    this.held.set(p, 'releasing');
    const done: Promise<void> = this.deps
      .lost(p)
      .then(() => (this.held.get(p) === 'releasing' ? this.step('release', () => this.deps.store.release(p, this.cfg.replica)) : undefined))
      .then(() => {
        if (this.held.get(p) === 'releasing') {
          this.held.delete(p);
          this.count('released', p);
        }
      })
      .finally(() => this.releases.delete(done));
    this.releases.add(done);
  }

  start(): void {
    if (this.loop) throw new Error('audit queue lease loop already started');
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const signal = this.stopSignal.signal;
    while (!signal.aborted) {
      await this.tick();
      await this.step('afterTick', async () => this.deps.afterTick?.());
      await sleep(this.cfg.renewMs, signal);
    }
  }

  /** Stops the loop, hands every partition back (readers finish and ack first) and leaves. */
  async stop(): Promise<void> {
    this.stopSignal.abort();
    await this.loop;
    for (const [p, state] of this.held) if (state === 'owned') this.handBack(p);
    // Readers may take a while to finish: keep the leases alive meanwhile so nobody starts behind them.
    const finished = new AbortController();
    const all = Promise.all([...this.releases]).finally(() => finished.abort());
    for (;;) {
      await sleep(this.cfg.renewMs, finished.signal);
      if (finished.signal.aborted) break;
      for (const p of this.held.keys()) await this.step('renew', () => this.deps.store.renew(p, this.cfg.replica, this.cfg.leaseMs));
    }
    await all;
    await this.step('leave', () => this.deps.store.leave(this.cfg.replica));
  }
}
