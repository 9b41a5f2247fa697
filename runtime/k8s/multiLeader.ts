/**
 * Multi-leader election (spec 6.1): N Leases `<name>-0 … <name>-(N-1)`; a process holds at most one,
 * so up to N processes lead at once. The body runs with a signal that aborts when the lease is lost or
 * the elector stops; then the elector waits for the body, and campaigns again (unless stopping, in
 * which case it releases the lease so a standby takes over at its next retry).
 * `is_leader{component,leaderId}` is *set* to 0/1 (the original added, so it accumulated).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { LeaderElectionConfig } from '../config/sections/informers.ts';
import type { Logger } from '../util/log.ts';
import { counter, gauge } from '../metrics/define.ts';
import { sleep } from '../util/sleep.ts';
import { holdLease, type LeaseTiming } from './leaderElection.ts';
import { LeaseLock } from './leaseLock.ts';
import type { KubeRest } from './rest.ts';

export type LeaderBody = (leaderId: number, signal: AbortSignal) => Promise<void>;

export interface MultiLeaderOptions {
  component: string;
  rest: KubeRest;
  config: LeaderElectionConfig;
  logger: Logger;
  registry: Registry;
  identity?: string;
  /** See HoldOptions.keepWhileUnreachable: lead on through an apiserver outage. */
  keepWhileUnreachable?: boolean;
}

export class MultiLeaderElector {
  readonly identity: string;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly isLeader;
  private readonly transitions;
  private leading: number | undefined;

  constructor(
    private readonly opts: MultiLeaderOptions,
    private readonly body: LeaderBody,
  ) {
    this.identity = opts.identity ?? `${hostname()}_${randomUUID()}`;
    this.isLeader = gauge(opts.registry, 'is_leader_gauge', 'Whether this process holds leader slot leaderId of a component (0/1).', ['component', 'leaderId']);
    this.transitions = counter(opts.registry, 'leader_transition_count', 'Leadership gained or lost.', ['component', 'event']);
  }

  /** The slot this process leads, if any. */
  get leaderId(): number | undefined {
    return this.leading;
  }

  start(): void {
    const { config } = this.opts;
    if (!config.enabled) {
      // Election disabled: every slot's body runs in this process (spec 6.1).
      this.loop = Promise.all(Array.from({ length: config.numLeaders }, (_, i) => this.lead(i, undefined))).then(() => undefined);
      return;
    }
    this.loop = this.campaignLoop();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async campaignLoop(): Promise<void> {
    const { config, rest, logger, component } = this.opts;
    const locks = Array.from({ length: config.numLeaders }, (_, i) => new LeaseLock(rest, config.namespace, `${config.name}-${i}`, this.identity, config.leaseDuration));
    for (let i = 0; i < locks.length; i++) this.isLeader.set({ component, leaderId: String(i) }, 0);
    while (!this.stopping.signal.aborted) {
      let won: number | undefined;
      // Try slots from a random start so candidates spread over free slots.
      const start = Math.floor(Math.random() * locks.length);
      for (let k = 0; k < locks.length && won === undefined && !this.stopping.signal.aborted; k++) {
        const i = (start + k) % locks.length;
        try {
          if (await locks[i]!.tryAcquireOrRenew(config.renewDeadline)) won = i;
        } catch (err) {
          logger.warn('leader election attempt failed', { component, lease: `${config.namespace}/${locks[i]!.name}`, err });
        }
      }
      if (won === undefined) {
        await sleep(config.retryPeriod * (1 + Math.random() * 0.2), this.stopping.signal);
        continue;
      }
      await this.lead(won, locks[won]!);
      // A body that ended on its own (error) is restarted, but not in a tight loop.
      await sleep(config.retryPeriod, this.stopping.signal);
    }
  }

  /** Runs the body as leader `id` until the lease is lost or the elector stops. */
  private async lead(id: number, lock: LeaseLock | undefined): Promise<void> {
    const { config, logger, component } = this.opts;
    const lost = new AbortController();
    const onStop = () => lost.abort();
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    this.leading = id;
    this.isLeader.set({ component, leaderId: String(id) }, 1);
    this.transitions.inc({ component, event: 'acquired' });
    logger.info('became leader', { component, leaderId: id, identity: this.identity });
    const body = this.body(id, lost.signal).catch((err: unknown) => {
      logger.error('leader body failed; giving up leadership', { component, leaderId: id, err });
    }).finally(() => lost.abort());
    if (!lock) {
      // Election disabled: lead until the body ends or the elector stops.
      await Promise.race([body, new Promise<void>((r) => lost.signal.addEventListener('abort', () => r(), { once: true }))]);
    } else {
      await holdLease(lock, timingOf(config), lost.signal, logger.child({ component, leaderId: id }), { keepWhileUnreachable: this.opts.keepWhileUnreachable });
    }
    lost.abort();
    await body;
    this.stopping.signal.removeEventListener('abort', onStop);
    if (lock && this.stopping.signal.aborted) {
      // Stopping: hand over now rather than after expiry.
      await lock.release(config.renewDeadline).catch((err: unknown) => logger.warn('lease release failed', { component, leaderId: id, err }));
    }
    this.leading = undefined;
    this.isLeader.set({ component, leaderId: String(id) }, 0);
    this.transitions.inc({ component, event: 'lost' });
    logger.info('stopped leading', { component, leaderId: id, identity: this.identity });
  }
}

function timingOf(config: LeaderElectionConfig): LeaseTiming {
  return { leaseDurationMs: config.leaseDuration, renewDeadlineMs: config.renewDeadline, retryPeriodMs: config.retryPeriod };
}
