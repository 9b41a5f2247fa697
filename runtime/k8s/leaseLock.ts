/**
 * One coordination.k8s.io/v1 Lease used as a lock, with client-go's semantics: a lease is expired when
 * its record has not changed for leaseDuration *as observed locally* (no clock comparison across
 * machines); updates use the Lease's resourceVersion for optimistic concurrency.
 */
import { isAlreadyExists, isConflict, isNotFound } from './errors.ts';
import type { KubeRest } from './rest.ts';

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

/** MicroTime: RFC 3339 with microseconds. */
function microTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaseLock {
  private observed: { key: string; at: number } | undefined;
  private current: Lease | undefined;

  constructor(
    private readonly rest: Pick<KubeRest, 'request'>,
    readonly namespace: string,
    readonly name: string,
    readonly identity: string,
    private readonly leaseDurationMs: number,
    /** The local clock (tests pass a fake one). */
    private readonly now: () => number = Date.now,
  ) {}

  private path(name?: string): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /** True when this identity holds the lease after the call (acquired, or renewed). */
  async tryAcquireOrRenew(timeoutMs: number): Promise<boolean> {
    const now = this.now();
    const leaseSeconds = Math.ceil(this.leaseDurationMs / 1000);
    let lease: Lease;
    try {
      lease = await this.rest.request<Lease>({ path: this.path(this.name), timeoutMs });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const fresh: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.namespace },
        spec: { holderIdentity: this.identity, leaseDurationSeconds: leaseSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      };
      try {
        this.current = await this.rest.request<Lease>({ method: 'POST', path: this.path(), body: fresh, timeoutMs });
        return true;
      } catch (e) {
        if (isAlreadyExists(e)) return false;
        throw e;
      }
    }
    const spec = lease.spec ?? {};
    const key = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.acquireTime, lease.metadata.resourceVersion]);
    if (!this.observed || this.observed.key !== key) this.observed = { key, at: now };
    const holder = spec.holderIdentity ?? '';
    const mine = holder === this.identity;
    const durationMs = (spec.leaseDurationSeconds ?? leaseSeconds) * 1000;
    if (holder && !mine && this.observed.at + durationMs > now) return false;
    const next: Lease = {
      ...lease,
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: leaseSeconds,
        acquireTime: mine ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      },
    };
    try {
      this.current = await this.rest.request<Lease>({ method: 'PUT', path: this.path(this.name), body: next, timeoutMs });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** Gives the lease up so a candidate can take over at its next retry instead of waiting for expiry. */
  async release(timeoutMs: number): Promise<void> {
    const lease = this.current;
    if (!lease || lease.spec.holderIdentity !== this.identity) return;
    const released: Lease = { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.now()) } };
    try {
      await this.rest.request({ method: 'PUT', path: this.path(this.name), body: released, timeoutMs });
    } catch (err) {
      // Someone else already took it (conflict): nothing to release.
      if (!isConflict(err)) throw err;
    } finally {
      this.current = undefined;
    }
  }
}
