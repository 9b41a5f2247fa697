/** Where the consumer keeps accepted audit events until their spans are exported: in memory, or in Redis Streams. */
import { z } from 'zod';
import { brokenAt, cel } from '../cel.ts';
import { secretKeyRef, secretRef } from './common.ts';

export const REDIS_QUEUE_NEEDS_ADDRESS = { rule: "self.backend != 'redis' || has(self.redis)", message: 'audit.queue.redis is required when audit.queue.backend is redis' };

export const auditQueueSpec = z
  .object({
    backend: z
      .enum(['memory', 'redis'])
      .default('memory')
      .meta({
        description:
          'memory (default): accepted events wait in the consumer process and are lost if it dies; with several replicas one object\'s events may land on different pods. redis: the webhook answers only once the batch is stored in Redis Streams, consumer replicas share the partitions (one owner each, re-balanced when a pod dies) and an event is acknowledged once its span is exported.',
      }),
    redis: z
      .object({
        address: z
          .string()
          .max(261)
          .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/)
          .meta({ description: 'host:port of the Redis server, e.g. redis.kelemetry.svc:6379.' }),
        db: z.number().int().min(0).max(255).default(0).meta({ description: 'Redis database number.' }),
        tlsSecretRef: secretRef.meta({ description: "Secret with key ca.crt: connect over TLS and verify the server's certificate." }).optional(),
        passwordSecretRef: secretKeyRef('password', 'Key of the Secret that holds the password.')
          .meta({ description: 'Secret holding the Redis password, mounted as a file in the consumer pods.' })
          .optional(),
        streamPrefix: z.string().min(1).max(128).default('kelemetry:audit').meta({ description: 'Key prefix of the streams, leases and replica set; instances sharing one Redis need distinct prefixes.' }),
        maxLen: z
          .number()
          .int()
          .min(1000)
          .default(1_000_000)
          .meta({ description: 'Approximate bound of each partition stream; the oldest entries, acknowledged or not, are trimmed beyond it.' }),
      })
      .meta({ description: 'The Redis server that holds the queue (backend redis).' })
      .optional(),
  })
  .meta(cel(REDIS_QUEUE_NEEDS_ADDRESS))
  .meta({ description: 'Where accepted audit events wait until their spans are exported.' });

export type AuditQueueSpec = z.output<typeof auditQueueSpec>;

/** The CEL rule above, in TypeScript. */
export function auditQueueIssues(queue: AuditQueueSpec): string[] {
  return brokenAt(queue.backend === 'redis' && !queue.redis, 'spec.audit.queue', REDIS_QUEUE_NEEDS_ADDRESS.message);
}
