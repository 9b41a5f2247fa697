/**
 * Leader election on a coordination.k8s.io/v1 Lease with optimistic concurrency (resourceVersion),
 * controller-runtime defaults: lease 15 s, renew deadline 10 s, retry 2 s. Losing the lease calls
 * onStoppedLeading (the operator then stops reconciling); stop() releases the lease so a successor
 * takes over at once instead of waiting for it to expire.
 */
import type { Gauge } from 'prom-client';
import type { Logger } from '../../runtime/util/log.ts';
import { isConflict, isNotFound, type KubeClient } from '../kube/client.ts';
import { LEASE_RESOURCE, collectionPath, objectPath } from '../kube/resources.ts';

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  logger: Logger;
  isLeader?: Gauge;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

interface Lease {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  private stopped = false;
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.renewMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
  }

  get isLeading(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) {
      this.leading = false;
      this.opts.isLeader?.set(0);
      await this.release().catch((err: unknown) => this.opts.logger.warn('could not release lease', { lease: this.opts.name, err: err }));
    }
  }

  private path(): string {
    return objectPath(LEASE_RESOURCE, this.opts.name, this.opts.namespace);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const ok = await this.tryAcquireOrRenew();
      if (ok) this.lastRenew = Date.now();
      if (ok && !this.leading) {
        this.leading = true;
        this.opts.isLeader?.set(1);
        this.opts.logger.info('became leader', { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity });
        this.opts.onStartedLeading();
      }
    } catch (err) {
      this.opts.logger.warn('lease update failed', { lease: `${this.opts.namespace}/${this.opts.name}`, err: err });
    }
    if (this.leading && Date.now() - this.lastRenew > this.renewMs) {
      this.leading = false;
      this.opts.isLeader?.set(0);
      this.opts.logger.error('lost leadership: lease not renewed within the renew deadline', { lease: this.opts.name });
      this.opts.onStoppedLeading();
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.retryMs);
    this.timer.unref();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, identity } = this.opts;
    const now = new Date();
    const existing = await client.find<Lease>(this.path());
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
      renewTime: microTime(now),
    };
    if (!existing) {
      await client.create(collectionPath(LEASE_RESOURCE, this.opts.namespace), {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.opts.name, namespace: this.opts.namespace },
        spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 },
      }).catch((err: unknown) => {
        if (isConflict(err) || (err as { code?: number }).code === 409) return undefined;
        throw err;
      });
      const created = await client.find<Lease>(this.path());
      return created?.spec.holderIdentity === identity;
    }
    const holder = existing.spec.holderIdentity;
    const renewed = existing.spec.renewTime ? Date.parse(existing.spec.renewTime) : 0;
    const duration = (existing.spec.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== identity && renewed + duration > now.getTime()) return false;
    const transitions = (existing.spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    try {
      await client.replace(this.path(), {
        ...existing,
        spec: { ...existing.spec, ...spec, acquireTime: holder === identity ? existing.spec.acquireTime : microTime(now), leaseTransitions: transitions },
      });
      return true;
    } catch (err) {
      // Someone else updated the lease between our read and write: they won this round.
      if (isConflict(err) || isNotFound(err)) return false;
      throw err;
    }
  }

  private async release(): Promise<void> {
    const existing = await this.opts.client.find<Lease>(this.path());
    if (!existing || existing.spec.holderIdentity !== this.opts.identity) return;
    await this.opts.client.replace(this.path(), {
      ...existing,
      spec: { ...existing.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
    });
  }
}
