/**
 * The audit queue's contract (spec 5.3): the webhook enqueues a batch whole or not at all, and one loop
 * per partition hands the consumer each object's events in order. Two backends implement it:
 * memory.ts (in-process, the default, lost on a crash) and redis.ts (Redis Streams: durable, shared by
 * several replicas, an entry acknowledged only once its span is exported).
 */

export interface QueueItem<T> {
  /** The object key: events with the same key land in the same partition, in order. */
  key: string;
  value: T;
  /** Its share of the request body, for the memory queue's byte bound. */
  bytes?: number;
}

/**
 * What the consumer made of one value. `false`: not done (e.g. the span could not be written), so a
 * durable backend delivers it again; the memory backend has nowhere to keep it and moves on.
 */
export type QueueHandler<T> = (value: T, partition: number) => Promise<boolean | void>;

/** `unavailable`: the backing store did not take the batch (Redis down); the webhook answers 503. */
export type EnqueueResult = { status: 'accepted' } | { status: 'full' } | { status: 'closed' } | { status: 'unavailable'; reason: string };

export interface AuditQueue<T> {
  readonly backend: 'memory' | 'redis';
  readonly partitions: number;
  /** The largest batch ever accepted: a bigger one is refused for good (413), not retried. */
  readonly capacity: number;
  readonly isClosed: boolean;
  /** Events taken in and not yet finished by this process (the memory queue's whole depth). */
  readonly depth: number;
  /** Stores every item or none. */
  enqueueAll(items: QueueItem<T>[]): Promise<EnqueueResult>;
  /** Starts consuming. The handler must not throw (it owns its errors). */
  start(handler: QueueHandler<T>): void;
  /**
   * Stops accepting and consuming; what is in flight finishes for up to `drainMs`. Returns the events
   * abandoned (memory: lost; redis: left in the stream for another replica, so 0).
   */
  stop(drainMs: number): Promise<number>;
}

/** FNV-1a, 32 bit: the partition of a key, the same in every replica and for both backends. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function partitionOf(key: string, partitions: number): number {
  return fnv1a(key) % partitions;
}
