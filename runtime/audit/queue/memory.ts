/**
 * A bounded in-process queue partitioned by key (spec 5.3, "mq/local", with the fixes: bounded, and a
 * batch is admitted whole or not at all). Items with the same key land in the same partition, and each
 * partition is consumed by one loop in order, so one object's events are processed sequentially.
 */
import type { Registry } from 'prom-client';
import { gauge } from '../../metrics/define.ts';
import type { Logger } from '../../util/log.ts';
import { sleep } from '../../util/sleep.ts';
import { partitionOf, type AuditQueue, type EnqueueResult, type QueueHandler, type QueueItem } from './types.ts';

type Entry<T> = QueueItem<T>;

class Partition<T> {
  items: Entry<T>[] = [];
  head = 0;
  wake: (() => void) | undefined;
  /** Objects being handled now: each holds one slot however many of its events wait behind it. */
  running = 0;
  /**
   * Events taken off the queue whose object is already being handled, per object, in order. They wait
   * here without a slot, so a slow object leaves the other slots to the other objects of this partition.
   */
  readonly backlog = new Map<string, Entry<T>[]>();
  /** Events taken off the queue and not yet finished (running or in a backlog), for the lag gauge. */
  inFlight = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(v: Entry<T>): void {
    this.items.push(v);
    this.notify();
  }

  notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  shift(): Entry<T> | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as Entry<T>;
    this.head++;
    // Compact now and then so a long-lived partition does not hold a growing array of holes.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
}

export type { QueueHandler } from './types.ts';

export interface QueueSettings {
  partitions: number;
  capacity: number;
  /** Bound on the items' `bytes` held at once (default: none). */
  capacityBytes?: number;
  /** The `consumerGroup` label of the lag metric (`audit.consumer.group`). */
  consumerGroup?: string;
  /**
   * Objects handled at once per partition. Events of one object stay in order; a slow event (e.g. one
   * waiting for its diff) then holds up only its own object, not every object hashed to its partition.
   */
  perPartitionConcurrency?: number;
}

export class PartitionedQueue<T> implements AuditQueue<T> {
  readonly backend = 'memory';
  readonly partitions: number;
  readonly capacity: number;
  private readonly capacityBytes: number;
  private readonly perPartitionConcurrency: number;
  private readonly logger: Logger;
  private readonly parts: Partition<T>[];
  private total = 0;
  private totalBytes = 0;
  private closed = false;
  private aborted = false;
  private loops: Promise<void>[] = [];

  constructor(config: QueueSettings, deps: { registry: Registry; logger: Logger }) {
    this.partitions = config.partitions;
    this.capacity = config.capacity;
    this.capacityBytes = config.capacityBytes ?? Infinity;
    this.perPartitionConcurrency = config.perPartitionConcurrency ?? 16;
    this.logger = deps.logger;
    const group = config.consumerGroup ?? 'kelemetry';
    this.parts = Array.from({ length: this.partitions }, () => new Partition<T>());
    gauge(deps.registry, 'audit_mq_local_lag', 'Events waiting per queue partition', ['consumerGroup', 'partition'], (g) => {
      this.parts.forEach((p, i) => g.set({ consumerGroup: group, partition: String(i) }, p.length + p.inFlight));
    });
    gauge(deps.registry, 'audit_queue_depth', 'Events waiting in the audit queue (all partitions)', [], (g) => g.set(this.total));
    gauge(deps.registry, 'audit_queue_capacity', 'Bound of the audit queue', [], (g) => g.set(this.capacity));
    gauge(deps.registry, 'audit_queue_bytes', 'Bytes of audit JSON held in the memory queue', [], (g) => g.set(this.totalBytes));
    gauge(deps.registry, 'audit_queue_capacity_bytes', 'Byte bound of the memory queue', [], (g) => g.set(Number.isFinite(this.capacityBytes) ? this.capacityBytes : 0));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get depth(): number {
    return this.total;
  }

  /** Admits every item or none (false: not enough room, or the queue is closed). */
  tryEnqueueAll(items: QueueItem<T>[]): boolean {
    if (this.closed || this.total + items.length > this.capacity) return false;
    const bytes = items.reduce((n, i) => n + (i.bytes ?? 0), 0);
    // An empty queue takes any batch, so one larger than the byte bound is not refused for ever.
    if (this.total > 0 && this.totalBytes + bytes > this.capacityBytes) return false;
    for (const item of items) this.parts[partitionOf(item.key, this.partitions)]!.push(item);
    this.total += items.length;
    this.totalBytes += bytes;
    return true;
  }

  enqueueAll(items: QueueItem<T>[]): Promise<EnqueueResult> {
    if (this.closed) return Promise.resolve({ status: 'closed' });
    return Promise.resolve(this.tryEnqueueAll(items) ? { status: 'accepted' } : { status: 'full' });
  }

  /** Starts one consumer loop per partition. The handler must not throw (it owns its errors). */
  start(handler: QueueHandler<T>): void {
    if (this.loops.length > 0) throw new Error('audit queue already started');
    this.loops = this.parts.map((_, i) => this.loop(i, handler));
  }

  private async loop(index: number, handler: QueueHandler<T>): Promise<void> {
    const part = this.parts[index]!;
    // One chain per object being handled: it runs that object's events one after another.
    const chains = new Set<Promise<void>>();
    for (;;) {
      if (this.aborted) break;
      if (part.running >= this.perPartitionConcurrency) {
        await new Promise<void>((r) => (part.wake = r));
        continue;
      }
      const entry = part.shift();
      if (entry === undefined) {
        if (this.closed) break;
        await new Promise<void>((r) => (part.wake = r));
        continue;
      }
      part.inFlight++;
      const waiting = part.backlog.get(entry.key);
      if (waiting !== undefined) {
        // Its object is being handled: queue behind it without taking a slot.
        waiting.push(entry);
        continue;
      }
      part.running++;
      part.backlog.set(entry.key, []);
      const chain = this.handleObject(index, part, entry, handler).finally(() => {
        chains.delete(chain);
        part.running--;
        part.notify();
      });
      chains.add(chain);
    }
    await Promise.all(chains);
  }

  /** Handles `first` and then the events of its object that arrive meanwhile, in order, in one slot. */
  private async handleObject(index: number, part: Partition<T>, first: Entry<T>, handler: QueueHandler<T>): Promise<void> {
    const waiting = part.backlog.get(first.key)!;
    for (let entry: Entry<T> | undefined = first; entry !== undefined; entry = waiting.shift()) {
      // Once aborted, what is left is abandoned (stop has counted it) but still taken off the depth.
      if (!this.aborted) {
        try {
          await handler(entry.value, index);
        } catch (err) {
          this.logger.error('audit queue handler threw', { partition: index, key: entry.key, err });
        }
      }
      part.inFlight--;
      this.total--;
      this.totalBytes -= entry.bytes ?? 0;
    }
    // Deleted in the same turn as the backlog was found empty, so no event can be left behind in it.
    part.backlog.delete(first.key);
  }

  /**
   * Stops accepting, lets the loops drain what is queued for up to `drainMs`, then abandons the rest
   * (counted and logged by the caller through the returned number).
   */
  async stop(drainMs: number): Promise<number> {
    this.closed = true;
    for (const p of this.parts) p.notify();
    const deadline = new AbortController();
    const drained = await Promise.race([Promise.all(this.loops).then(() => true), sleep(drainMs, deadline.signal).then(() => false)]);
    deadline.abort();
    if (drained) return 0;
    this.aborted = true;
    const left = this.total;
    await Promise.all(this.loops);
    return left;
  }
}
