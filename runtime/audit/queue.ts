/**
 * A bounded in-process queue partitioned by key (spec 5.3, "mq/local", with the fixes: bounded, and a
 * batch is admitted whole or not at all). Items with the same key land in the same partition, and each
 * partition is consumed by one loop in order, so one object's events are processed sequentially.
 */
import type { Registry } from 'prom-client';
import { gauge } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';

/** FNV-1a, 32 bit. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class Partition<T> {
  items: T[] = [];
  head = 0;
  wake: (() => void) | undefined;
  busy = false;

  get length(): number {
    return this.items.length - this.head;
  }

  push(v: T): void {
    this.items.push(v);
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head]!;
    this.items[this.head] = undefined as T;
    this.head++;
    // Compact now and then instead of shifting the array on every take.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
}

export type QueueHandler<T> = (value: T, partition: number) => Promise<void>;

export class PartitionedQueue<T> {
  private readonly parts: Partition<T>[];
  private total = 0;
  private closed = false;
  private aborted = false;
  private loops: Promise<void>[] = [];

  constructor(
    readonly partitions: number,
    readonly capacity: number,
    registry: Registry,
    private readonly logger: Logger,
    group = 'kelemetry',
  ) {
    this.parts = Array.from({ length: partitions }, () => new Partition<T>());
    gauge(registry, 'audit_mq_local_lag', 'Events waiting per queue partition', ['consumerGroup', 'partition'], (g) => {
      this.parts.forEach((p, i) => g.set({ consumerGroup: group, partition: String(i) }, p.length + (p.busy ? 1 : 0)));
    });
    gauge(registry, 'audit_queue_depth', 'Events waiting in the audit queue (all partitions)', [], (g) => g.set(this.total));
    gauge(registry, 'audit_queue_capacity', 'Bound of the audit queue', [], (g) => g.set(this.capacity));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get depth(): number {
    return this.total;
  }

  partitionOf(key: string): number {
    return fnv1a(key) % this.partitions;
  }

  /** Admits every item or none (false: not enough room, or the queue is closed). */
  tryEnqueueAll(items: { key: string; value: T }[]): boolean {
    if (this.closed || this.total + items.length > this.capacity) return false;
    for (const { key, value } of items) this.parts[this.partitionOf(key)]!.push(value);
    this.total += items.length;
    return true;
  }

  /** Starts one consumer loop per partition. The handler must not throw (it owns its errors). */
  start(handler: QueueHandler<T>): void {
    if (this.loops.length > 0) throw new Error('audit queue already started');
    this.loops = this.parts.map((_, i) => this.loop(i, handler));
  }

  private async loop(index: number, handler: QueueHandler<T>): Promise<void> {
    const part = this.parts[index]!;
    for (;;) {
      if (this.aborted) return;
      const v = part.shift();
      if (v !== undefined) {
        part.busy = true;
        try {
          await handler(v, index);
        } catch (err) {
          this.logger.error('audit queue handler threw', { partition: index, error: err });
        } finally {
          part.busy = false;
          this.total--;
        }
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((r) => (part.wake = r));
    }
  }

  /**
   * Stops accepting, lets the loops drain what is queued for up to `drainMs`, then abandons the rest
   * (counted and logged by the caller through the returned number).
   */
  async stop(drainMs: number): Promise<number> {
    this.closed = true;
    for (const p of this.parts) {
      const w = p.wake;
      p.wake = undefined;
      w?.();
    }
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      Promise.all(this.loops).then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), drainMs))),
    ]);
    clearTimeout(timer);
    if (drained) return 0;
    this.aborted = true;
    const left = this.total;
    await Promise.all(this.loops);
    return left;
  }
}
