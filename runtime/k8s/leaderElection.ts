/**
 * Leader election on one Lease (client-go's LeaderElector) over LeaseLock, whose expiry is judged by
 * locally observed time: campaign every retryPeriod until the lease is acquired, then renew every
 * retryPeriod; leadership is lost when another identity took the lease or no renewal succeeded within
 * renewDeadline. `holdLease` is the renew loop MultiLeaderElector runs for each slot it wins.
 */
import type { Logger } from '../util/log.ts';
import { sleep } from '../util/sleep.ts';
import { KubeApiError } from './errors.ts';
import { LeaseLock } from './leaseLock.ts';
import type { KubeRest } from './rest.ts';

export interface LeaseTiming {
  leaseDurationMs: number;
  /** A leader that could not renew for this long steps down (shorter than leaseDurationMs). */
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** controller-runtime's defaults. */
export const DEFAULT_LEASE_TIMING: LeaseTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export interface HoldOptions {
  /**
   * Keep leading past renewDeadline while renewals fail only because the apiserver cannot be reached
   * (transport errors, 5xx, 429), until a renewal sees another holder. For leaders whose work tolerates a
   * second leader for a while (the diff controller: idempotent writes, one writer): stepping down during
   * an apiserver restart dropped their watches, and everything changed before the next first list had no
   * previous version to diff against. A refusal (401, 403 …) still ends the lease after renewDeadline.
   */
  keepWhileUnreachable?: boolean;
}

/** The apiserver did not answer (or answered "unavailable"): no sign that anyone else holds the lease. */
export function isUnreachable(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return true;
  return err.statusCode >= 500 || err.statusCode === 429 || err.statusCode === 0;
}

/**
 * Renews every retryPeriod while `signal` is not aborted. Resolves `lost` when another identity holds
 * the lease or no renewal succeeded within renewDeadline (see HoldOptions for the exception),
 * `stopped` when the signal aborted. A renewal in flight is not cut short, so a release after this
 * resolves sees the latest resourceVersion.
 */
export async function holdLease(lock: LeaseLock, timing: LeaseTiming, signal: AbortSignal, logger: Logger, opts: HoldOptions = {}): Promise<'lost' | 'stopped'> {
  let lastRenew = Date.now();
  let kept = false;
  while (!signal.aborted) {
    await sleep(timing.retryPeriodMs, signal);
    if (signal.aborted) break;
    let unreachable = false;
    try {
      if (await lock.tryAcquireOrRenew(timing.renewDeadlineMs)) {
        if (kept) logger.info('lease renewed again; the apiserver is back', { lease: leaseName(lock), unrenewedMs: Date.now() - lastRenew });
        kept = false;
        lastRenew = Date.now();
      } else {
        logger.warn('lease taken by another candidate', { lease: leaseName(lock) });
        return 'lost';
      }
    } catch (err) {
      unreachable = isUnreachable(err);
      // While kept through an outage, one line at the start and one at the end, not one per retry.
      if (!kept) logger.warn('lease renewal failed', { lease: leaseName(lock), err });
    }
    if (Date.now() - lastRenew <= timing.renewDeadlineMs) continue;
    if (opts.keepWhileUnreachable && unreachable) {
      if (!kept) logger.warn('lease not renewed within renewDeadline, the apiserver unreachable; leading on until a renewal sees another holder', { lease: leaseName(lock) });
      kept = true;
      continue;
    }
    logger.warn('lease not renewed within renewDeadline; stepping down', { lease: leaseName(lock), renewDeadlineMs: timing.renewDeadlineMs });
    return 'lost';
  }
  return 'stopped';
}

function leaseName(lock: LeaseLock): string {
  return `${lock.namespace}/${lock.name}`;
}

export interface LeaderElectorOptions {
  rest: KubeRest;
  namespace: string;
  name: string;
  identity: string;
  timing?: LeaseTiming;
  logger: Logger;
}

export class LeaderElector {
  readonly lock: LeaseLock;
  readonly timing: LeaseTiming;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.timing = opts.timing ?? DEFAULT_LEASE_TIMING;
    this.lock = new LeaseLock(opts.rest, opts.namespace, opts.name, opts.identity, this.timing.leaseDurationMs);
  }

  get identity(): string {
    return this.opts.identity;
  }

  /** Campaigns until this identity holds the lease (true) or `signal` aborts (false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    const { logger } = this.opts;
    while (!signal.aborted) {
      try {
        if (await this.lock.tryAcquireOrRenew(this.timing.renewDeadlineMs)) return true;
      } catch (err) {
        logger.warn('leader election attempt failed', { lease: leaseName(this.lock), err });
      }
      // Jitter, so candidates that started together do not keep colliding.
      await sleep(this.timing.retryPeriodMs * (1 + Math.random() * 0.2), signal);
    }
    return false;
  }

  /** Renews until the lease is lost or `signal` aborts; see holdLease. */
  hold(signal: AbortSignal): Promise<'lost' | 'stopped'> {
    return holdLease(this.lock, this.timing, signal, this.opts.logger);
  }

  /** Gives the lease up, so a standby takes over at its next retry instead of after expiry. Never throws. */
  async release(): Promise<void> {
    await this.lock.release(this.timing.renewDeadlineMs).catch((err: unknown) => this.opts.logger.warn('lease release failed', { lease: leaseName(this.lock), err }));
  }
}
