/** Builds the audit queue `audit.queue.backend` selects. */
import type { Registry } from 'prom-client';
import type { AuditQueueConfig } from '../../config/sections/audit.ts';
import type { Logger } from '../../util/log.ts';
import { PartitionedQueue } from './memory.ts';
import type { ExportBarrier } from '../../tracer/barrier.ts';
import { RedisStreamQueue } from './redis.ts';
import type { AuditQueue } from './types.ts';

export type { AuditQueue, EnqueueResult, QueueHandler, QueueItem } from './types.ts';
export type { ExportBarrier } from '../../tracer/barrier.ts';
export { PartitionedQueue } from './memory.ts';
export { RedisStreamQueue } from './redis.ts';

export interface AuditQueueDeps {
  registry: Registry;
  logger: Logger;
  /** Redis backend: entries are acked once this says their spans are exported. */
  barrier?: ExportBarrier;
}

/** The queue, ready to start: for Redis, its streams and consumer group exist (a wrong address fails here). */
export async function createAuditQueue<T>(config: AuditQueueConfig, consumerGroup: string, deps: AuditQueueDeps): Promise<AuditQueue<T>> {
  if (config.backend === 'memory') return new PartitionedQueue<T>({ ...config, consumerGroup }, deps);
  if (!config.redis) throw new Error('audit.queue.backend is "redis" but audit.queue.redis is not set');
  const queue = new RedisStreamQueue<T>({ partitions: config.partitions, capacity: config.capacity, consumerGroup, redis: config.redis }, deps);
  try {
    await queue.prepare();
  } catch (err) {
    await queue.stop(0);
    throw new Error(`audit queue: cannot create the streams at ${config.redis.address} (audit.queue.redis): ${(err as Error).message}`, { cause: err });
  }
  return queue;
}
