/**
 * Audit webhook and consumer settings. Owned by the audit pipeline (runtime/audit).
 *
 * The webhook receives `audit.k8s.io/v1` EventList batches from kube-apiservers; accepted events go
 * to a bounded queue partitioned by object, from which the consumer writes audit spans.
 */
import { z } from 'zod';
import { DEFAULT_EXCLUDED_RESOURCES, checkRegexes, clientTls, duration, listenAddress, serverTls } from '../common.ts';

const forwardTarget = z.object({
  /** Label in metrics and logs. */
  name: z.string().min(1),
  /** Where to re-POST each accepted EventList; `:cluster` is replaced by the cluster name. */
  url: z.string().regex(/^https?:\/\//, 'want an http:// or https:// URL'),
  timeout: duration.prefault('30s'),
  /** Requests in flight per target; beyond this, batches for the target are dropped and counted. */
  maxInFlight: z.number().int().positive().default(64),
});

/** User agents never traced unless `excludeUserAgents` is set: leader-election renewals and the local-path provisioner. */
export const DEFAULT_EXCLUDED_USER_AGENTS = ['/leader-election', 'local-path-provisioner/'];

const regexList = z
  .array(z.string())
  .default([])
  .superRefine((patterns, ctx) => checkRegexes(patterns, ctx));

export const auditWebhookSection = z.object({
  enabled: z.boolean().default(true),
  /** Where the webhook listens. Use 0.0.0.0:8080 in a Pod; the default stays on loopback. */
  listen: listenAddress.default('127.0.0.1:8080'),
  /** Serve HTTPS; with tls.clientCaFile, require client certificates (mTLS). */
  tls: serverTls.optional(),
  /** File holding the bearer token apiservers must send (`Authorization: Bearer …`); unset = no token check. */
  bearerTokenFile: z.string().min(1).optional(),
  /**
   * Largest accepted body. The apiserver's default batch limit (--audit-webhook-truncate-max-batch-size)
   * is 10 MiB, so the default leaves room above that.
   */
  maxBodyBytes: z.number().int().positive().default(16 * 1024 * 1024),
  /** Take the apiserver address from X-Forwarded-For when a request carries the forwarding header. */
  trustForwardedFor: z.boolean().default(false),
  forward: z.array(forwardTarget).default([]),
});

/**
 * The durable queue backend (runtime/audit/queue/redis.ts): one Redis stream per partition, a consumer
 * group, and one replica owning each partition at a time through a lease. The connection fields are the
 * span cache's Redis connection (`stores.redis`) with `address` instead of a URL.
 */
export const auditQueueRedisSection = z.object({
  /** host:port of the Redis server. */
  address: z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'want host:port, e.g. redis:6379'),
  /** Database number. */
  db: z.number().int().min(0).default(0),
  /** Connect over TLS (rediss). */
  tls: clientTls.optional(),
  /** Read the password from this environment variable, never from the file. */
  passwordEnv: z.string().optional(),
  /** Or from this file (a mounted Secret key). */
  passwordFile: z.string().min(1).optional(),
  /** Key prefix: streams `<prefix>:p<N>`, leases `<prefix>:lease:<N>`, replicas `<prefix>:replicas`. */
  streamPrefix: z.string().min(1).default('kelemetry:audit'),
  /**
   * Approximate bound of each partition stream (XADD MAXLEN ~). Trimming drops the oldest entries, acked
   * or not: keep it well above what the consumers can fall behind by.
   */
  maxLen: z.number().int().positive().default(1_000_000),
  /** A partition lease lasts this long without renewal; a dead replica's partitions move after it. */
  leaseDuration: duration.prefault('10s'),
  /** How often leases are renewed, the replica heartbeat written and the fair share recomputed. */
  renewInterval: duration.prefault('3s'),
  /** Entries read per XREADGROUP per partition (one batch: processed, flushed, then acked). */
  readBatch: z.number().int().min(1).max(10_000).default(256),
  /** How long one blocking read waits for new entries. */
  blockTimeout: duration.prefault('1s'),
});

export const auditQueueSection = z.object({
  /** `memory`: in-process, lost on a crash, single replica. `redis`: durable Redis Streams, several replicas. */
  backend: z.enum(['memory', 'redis']).default('memory'),
  /** Partitions = consumer workers; events of one object always go to the same partition, in order. */
  partitions: z.number().int().min(1).max(1024).default(8),
  /**
   * Events held across all partitions (memory backend); the largest batch either backend accepts. A
   * batch that does not fit is refused with 429 (the apiserver retries). Memory: roughly 5-10 KiB per
   * queued RequestResponse event.
   */
  capacity: z.number().int().positive().default(20_000),
  /**
   * Bytes of audit JSON held in memory (memory backend): bounds the queue by size as well as by count, since
   * one RequestResponse event may be 1 KiB or 1 MiB. Parsed events take about 2-3 times their JSON size in
   * the heap. A batch that does not fit is refused with 429; an empty queue takes any batch.
   */
  capacityBytes: z.number().int().positive().default(64 * 1024 * 1024),
  /** Required with backend `redis`. */
  redis: auditQueueRedisSection.optional(),
}).superRefine((q, ctx) => {
  if (q.backend === 'redis' && !q.redis) ctx.addIssue({ code: 'custom', path: ['redis'], message: 'audit.queue.backend is "redis" but audit.queue.redis is not set' });
});

export const auditConsumerSection = z.object({
  enabled: z.boolean().default(true),
  /** Name used in metrics (`consumerGroup` label). */
  group: z.string().min(1).default('kelemetry'),
  /** Audit verbs traced; reads (get/list/watch) carry no change. */
  verbs: z.array(z.string()).default(['create', 'update', 'delete', 'patch']),
  /** Audit stages traced. */
  stages: z.array(z.string()).default(['ResponseComplete']),
  /** Use the real user rather than the impersonated one in titles and the `username` tag. */
  ignoreImpersonatedUser: z.boolean().default(false),
  /**
   * For events whose objectRef has no resource, find the object from the response object's kind through
   * the cluster's discovery (spec 5.5). Needs API access to every cluster in `clusters`.
   */
  inferObjectRef: z.boolean().default(false),
});

export const auditFilterSection = z.object({
  /** Never traced: `resource` (core group) or `group/resource`. */
  excludeTypes: z
    .array(z.string().regex(/^[^/]+(\/[^/]+)?$/, 'want "resource" or "group/resource"'))
    .default(DEFAULT_EXCLUDED_RESOURCES),
  /** Events whose user agent contains any of these substrings are dropped. */
  excludeUserAgents: z.array(z.string()).default(DEFAULT_EXCLUDED_USER_AGENTS),
  /** Regular expressions on the (effective) username. */
  excludeUsers: regexList,
  /** Regular expressions on the object's namespace ("" for cluster-scoped objects). */
  excludeNamespaces: regexList,
  /** Regular expressions on `group/version/resource/namespace/name`. */
  excludeObjects: regexList,
  /** Cluster names whose events are dropped. */
  excludeClusters: z.array(z.string()).default([]),
  /** If non-empty, only these clusters are traced. */
  onlyClusters: z.array(z.string()).default([]),
  /**
   * Each cluster's filter ConfigMap (spec 5.6; keys in runtime/audit/dynamicFilter.ts), watched in that
   * cluster and applied as it changes. Needs API access to every cluster in `clusters`.
   */
  dynamic: z
    .object({
      enabled: z.boolean().default(false),
      namespace: z.string().min(1).default('default'),
      name: z.string().min(1).default('kelemetry-filter-config'),
    })
    .prefault({}),
  /** How often `kelemetry run` re-reads its config file and applies a changed `audit.filter` without restarting. */
  reloadInterval: duration.prefault('15s'),
});

export const auditDumpSection = z.object({
  /** Append every received audit event (before filtering) to this file, one JSON line each; unset = no dump. */
  file: z.string().min(1).optional(),
  /** Size at which the file is rotated to `<file>.1`. */
  maxBytes: z.number().int().positive().default(100 * 1024 * 1024),
  /** Rotated files kept (`<file>.1` … `<file>.<maxFiles>`). */
  maxFiles: z.number().int().min(1).max(100).default(3),
  flushInterval: duration.prefault('200ms'),
});

export const auditSection = z.object({
  webhook: auditWebhookSection.prefault({}),
  queue: auditQueueSection.prefault({}),
  consumer: auditConsumerSection.prefault({}),
  filter: auditFilterSection.prefault({}),
  dump: auditDumpSection.prefault({}),
});

export type AuditConfig = z.output<typeof auditSection>;
export type AuditWebhookConfig = z.output<typeof auditWebhookSection>;
export type AuditQueueConfig = z.output<typeof auditQueueSection>;
export type AuditQueueRedisConfig = z.output<typeof auditQueueRedisSection>;
export type AuditConsumerConfig = z.output<typeof auditConsumerSection>;
export type AuditFilterConfig = z.output<typeof auditFilterSection>;
export type AuditDumpConfig = z.output<typeof auditDumpSection>;
