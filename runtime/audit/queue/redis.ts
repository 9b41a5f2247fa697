/**
 * The durable audit queue on Redis Streams. The webhook's batch is stored with one MULTI of XADDs (one
 * stream per partition, the partition from the object key as in memory.ts) before it answers 200; if
 * Redis does not take it, the webhook answers 503 and the apiserver sends it again. Replicas share the
 * partitions through leases (lease.ts) and read them through one consumer group (reader.ts), acking an
 * entry only once its span is exported.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Counter, Registry } from 'prom-client';
import type { AuditQueueRedisConfig } from '../../config/sections/audit.ts';
import { counter, gauge } from '../../metrics/define.ts';
import type { Logger } from '../../util/log.ts';
import { LeaseManager } from './lease.ts';
import type { ExportBarrier } from '../../tracer/barrier.ts';
import { PartitionReader, type ReaderMetrics } from './reader.ts';
import { QueueKeys, RedisQueueStore, connectQueueRedis } from './redisStore.ts';
import { partitionOf, type AuditQueue, type EnqueueResult, type QueueHandler, type QueueItem } from './types.ts';

export interface RedisQueueSettings {
  partitions: number;
  capacity: number;
  consumerGroup: string;
  redis: AuditQueueRedisConfig;
  perPartitionConcurrency?: number;
  /** Deliveries of one entry before it is given up (logged, counted). */
  maxAttempts?: number;
}

export interface RedisQueueDeps {
  registry: Registry;
  logger: Logger;
  barrier?: ExportBarrier;
  /** Replica identity in the heartbeat set and leases; default host name + random suffix. */
  replica?: string;
  /** Opens a connection (tests inject); default from `redis`. */
  connect?: (blocking: boolean) => Redis;
}

function queueMetrics(r: Registry) {
  return {
    added: counter(r, 'audit_queue_entries_added_total', 'Audit events stored in the durable queue', []),
    acked: counter(r, 'audit_queue_entries_acked_total', 'Audit queue entries acknowledged after their span was exported', []),
    redelivered: counter(r, 'audit_queue_entries_redelivered_total', 'Audit queue entries delivered again (pending when a reader took the partition or after a failure)', []),
    abandoned: counter(r, 'audit_queue_entries_abandoned_total', 'Audit queue entries given up, by reason', ['reason']),
    unavailable: counter(r, 'audit_queue_unavailable_total', 'Batches the durable queue could not store (webhook answered 503)', []),
    readErrors: counter(r, 'audit_queue_read_errors_total', 'Failed reads or acks of a partition stream (retried)', []),
  };
}

export class RedisStreamQueue<T> implements AuditQueue<T> {
  readonly backend = 'redis';
  readonly partitions: number;
  readonly capacity: number;
  private readonly cfg: RedisQueueSettings;
  private readonly deps: RedisQueueDeps;
  private readonly store: RedisQueueStore;
  private readonly leases: LeaseManager;
  private readonly readers = new Map<number, PartitionReader<T>>();
  private readonly metrics: ReturnType<typeof queueMetrics> & { abandoned: Counter<'reason'> };
  private readonly lags = new Map<number, number>();
  private readonly replica: string;
  private handler: QueueHandler<T> | undefined;
  private closed = false;
  private inFlight = 0;

  constructor(cfg: RedisQueueSettings, deps: RedisQueueDeps) {
    this.cfg = cfg;
    this.deps = deps;
    this.partitions = cfg.partitions;
    this.capacity = cfg.capacity;
    this.replica = deps.replica ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
    const connect = deps.connect ?? ((blocking: boolean) => connectQueueRedis(cfg.redis, blocking, deps.logger));
    this.store = new RedisQueueStore(connect(false), new QueueKeys(cfg.redis.streamPrefix), cfg.consumerGroup);
    this.metrics = queueMetrics(deps.registry);
    gauge(deps.registry, 'audit_queue_stream_lag', 'Entries of an owned partition stream not yet acked (undelivered + pending)', ['partition'], (g) => {
      g.reset();
      for (const [p, lag] of this.lags) g.set({ partition: String(p) }, lag);
    });
    gauge(deps.registry, 'audit_queue_depth', 'Events waiting in the audit queue (all partitions)', [], (g) => g.set(this.inFlight));
    gauge(deps.registry, 'audit_queue_capacity', 'Bound of the audit queue', [], (g) => g.set(this.capacity));
    const leaseMs = cfg.redis.leaseDuration;
    this.leases = new LeaseManager(
      { partitions: cfg.partitions, replica: this.replica, leaseMs, renewMs: cfg.redis.renewInterval },
      { store: this.store, registry: deps.registry, logger: deps.logger, gained: (p) => this.gain(p, connect(true)), lost: (p) => this.lose(p), afterTick: () => this.sampleLag() },
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get depth(): number {
    return this.inFlight;
  }

  get ownedPartitions(): number[] {
    return this.leases.owned;
  }

  async enqueueAll(items: QueueItem<T>[]): Promise<EnqueueResult> {
    if (this.closed) return { status: 'closed' };
    if (items.length === 0) return { status: 'accepted' };
    const entries = items.map(({ key, value }) => ({ partition: partitionOf(key, this.partitions), key, json: JSON.stringify(value) }));
    try {
      await this.store.add(entries, this.cfg.redis.maxLen);
    } catch (err) {
      this.metrics.unavailable.inc();
      this.deps.logger.error('audit batch not stored in Redis: answering 503 so the apiserver retries', {
        address: this.cfg.redis.address,
        stream: `${this.cfg.redis.streamPrefix}:p*`,
        events: items.length,
        err,
      });
      return { status: 'unavailable', reason: (err as Error).message };
    }
    this.metrics.added.inc(items.length);
    return { status: 'accepted' };
  }

  /** Creates the groups (retried in the lease loop's rhythm if Redis is down), then starts the lease loop. */
  start(handler: QueueHandler<T>): void {
    if (this.handler) throw new Error('audit queue already started');
    this.handler = handler;
    this.leases.start();
  }

  /** Creates the streams and groups; `startAuditPipeline` awaits it so a wrong address fails start-up. */
  async prepare(): Promise<void> {
    await this.store.ensureGroups(this.partitions);
  }

  private gain(p: number, client: Redis): void {
    const m = this.metrics;
    const metrics: ReaderMetrics = {
      acked: (n) => m.acked.inc(n),
      redelivered: (n) => m.redelivered.inc(n),
      abandoned: (reason, n) => m.abandoned.inc({ reason }, n),
      readErrors: () => m.readErrors.inc(),
      inFlight: (d) => (this.inFlight += d),
    };
    const reader = new PartitionReader<T>(
      { partition: p, readBatch: this.cfg.redis.readBatch, blockMs: this.cfg.redis.blockTimeout, perPartitionConcurrency: this.cfg.perPartitionConcurrency ?? 16, maxAttempts: this.cfg.maxAttempts ?? 5 },
      { store: this.store, client, handler: this.handler!, barrier: this.deps.barrier, metrics, logger: this.deps.logger },
    );
    this.readers.set(p, reader);
    reader.start();
  }

  private async lose(p: number): Promise<void> {
    const reader = this.readers.get(p);
    this.readers.delete(p);
    this.lags.delete(p);
    await reader?.stop();
  }

  private async refreshLag(p: number): Promise<void> {
    try {
      this.lags.set(p, await this.store.lag(p));
    } catch {
      // The gauge keeps its last value; read errors are counted by the readers.
    }
  }

  /** Refreshes the lag gauge of the owned partitions (after each lease round). */
  private async sampleLag(): Promise<void> {
    await Promise.all([...this.readers.keys()].map((p) => this.refreshLag(p)));
  }

  /**
   * Stops taking batches, then hands back every partition: each reader finishes, flushes and acks its
   * batch, and its lease is deleted. Nothing is abandoned: unread entries stay for the other replicas.
   */
  async stop(_drainMs: number): Promise<number> {
    this.closed = true;
    await this.leases.stop();
    await Promise.all([...this.readers.keys()].map((p) => this.lose(p)));
    this.store.redis.disconnect();
    return 0;
  }
}
