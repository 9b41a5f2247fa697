/**
 * Event controller, diff controller, diff cache, diff decorator, linkers, per-cluster clients and the
 * object cache (spec 2.3 "Kubernetes", "Diff", "Event informer", "linkers"). Owned by runtime/event,
 * runtime/diff, runtime/linker and runtime/k8s.
 */
import { z } from 'zod';
import { DEFAULT_EXCLUDED_RESOURCES, cacheBackend, duration, listenAddress, regexPattern } from '../common.ts';

/** Lease-based election (spec 6.1): N Lease objects `<name>-0 … <name>-(N-1)` in `namespace`. */
export const leaderElection = (name: string, numLeaders: number) =>
  z
    .object({
      enabled: z.boolean().default(true),
      namespace: z.string().min(1).default('default'),
      name: z.string().min(1).default(name),
      numLeaders: z.number().int().min(1).max(16).default(numLeaders),
      leaseDuration: duration.prefault('15s'),
      renewDeadline: duration.prefault('10s'),
      retryPeriod: duration.prefault('2s'),
    })
    .refine((e) => e.renewDeadline < e.leaseDuration, { message: 'renewDeadline must be shorter than leaseDuration' })
    .refine((e) => e.retryPeriod < e.renewDeadline, { message: 'retryPeriod must be shorter than renewDeadline' })
    .prefault({});
export type LeaderElectionConfig = z.output<ReturnType<typeof leaderElection>>;

/** `resource` or `group/resource` entries, e.g. `events`, `coordination.k8s.io/leases`. */
const groupResource = z.string().regex(/^([a-z0-9.-]+\/)?[a-z0-9.-]+$/, 'want "resource" or "group/resource"');

export const diffCacheSection = z
  .object({
    backend: cacheBackend.default('memory'),
    /** Key prefix in etcd / Redis (spec 13.2 keeps `/diff/` for compatibility with the Go writer). */
    prefix: z.string().default('/diff/'),
    patchTtl: duration.prefault('10m'),
    snapshotTtl: duration.prefault('10m'),
    /** Memory read-through in front of etcd / Redis (caches patches and snapshots). */
    memoryReadThrough: z.boolean().default(false),
    /** Bound of the memory backend and of the read-through layer, in approximate bytes of JSON. */
    memoryMaxBytes: z.number().int().positive().default(256 * 1024 * 1024),
    /** Clusters whose patches are indexed by the old resourceVersion (Metadata-level audit, spec 7.4). */
    useOldResourceVersionClusters: z.array(z.string()).default([]),
  })
  .prefault({});
export type DiffCacheConfig = z.output<typeof diffCacheSection>;

export const diffControllerSection = z
  .object({
    enabled: z.boolean().default(false),
    /** Resources never watched, in addition to subresources. */
    excludeResources: z.array(groupResource).default(DEFAULT_EXCLUDED_RESOURCES),
    /** Objects whose `group/version/resource/namespace/name` matches have their contents kept out of the cache. */
    redactPattern: regexPattern.optional(),
    /** `metadata.managedFields` is dropped before diffing and snapshotting (the UI never shows it). */
    stripManagedFields: z.boolean().default(true),
    workerCount: z.number().int().min(1).default(8),
    /** Bound of pending diff tasks; beyond it the watch is paused rather than buffering without limit. */
    maxPendingTasks: z.number().int().min(1).default(10_000),
    storeTimeout: duration.prefault('10s'),
    /** Watches (two leaders by default, for availability). */
    leaderElection: leaderElection('kelemetry-diff-controller-leader-election', 2),
    /** Only one watch leader writes; the others buffer one lease duration of writes for failover. */
    writerElection: leaderElection('kelemetry-diff-writer-leader-election', 1),
    /** Page size of LIST requests. */
    listPageSize: z.number().int().min(1).default(500),
  })
  .prefault({});
export type DiffControllerConfig = z.output<typeof diffControllerSection>;

export const diffDecoratorSection = z
  .object({
    enabled: z.boolean().default(false),
    /** Longest wait between diff cache attempts (they start at 50 ms and double). */
    fetchBackoff: duration.prefault('1s'),
    /** Give up this long after the audit event's stageTimestamp. */
    fetchEventTimeout: duration.prefault('15s'),
    /** Give up this long after the decorator started waiting. */
    fetchTotalTimeout: duration.prefault('10s'),
  })
  .prefault({});
export type DiffDecoratorConfig = z.output<typeof diffDecoratorSection>;

export const eventControllerSection = z
  .object({
    enabled: z.boolean().default(false),
    /** Events about these resources are dropped. */
    excludeResources: z.array(groupResource).default(DEFAULT_EXCLUDED_RESOURCES),
    configMapNamespace: z.string().min(1).default('default'),
    configMapName: z.string().min(1).default('kelemetry-event-controller'),
    configMapSyncInterval: duration.prefault('5s'),
    /** Events older than this (vs now) are dropped. */
    maxEventAge: duration.prefault('5m'),
    /** After a restart, events this far before the saved high-water mark are still checked against the saved set. */
    restartLookback: duration.prefault('1m'),
    workerCount: z.number().int().min(1).default(8),
    leaderElection: leaderElection('kelemetry-event-informer-leader-election', 1),
  })
  .prefault({});
export type EventControllerConfig = z.output<typeof eventControllerSection>;

export const linkerSection = z
  .object({
    /** 0 disables the worker pool and therefore all linkers. */
    workerCount: z.number().int().min(0).default(4),
    /** Link jobs waiting for a worker; beyond it jobs are dropped and counted. */
    queueCapacity: z.number().int().min(1).default(10_000),
    ownerReference: z.boolean().default(true),
    annotation: z.boolean().default(true),
  })
  .prefault({});
export type LinkerConfig = z.output<typeof linkerSection>;

export const kubeSection = z
  .object({
    /** Discovery refresh period (a miss also triggers one). */
    discoveryResyncInterval: duration.prefault('1h'),
    requestTimeout: duration.prefault('30s'),
    objectCacheMaxBytes: z.number().int().positive().default(64 * 1024 * 1024),
    objectCacheFetchTimeout: duration.prefault('5s'),
    objectCacheStoreTtl: duration.prefault('5s'),
  })
  .prefault({});
export type KubeConfigSection = z.output<typeof kubeSection>;

/** Absent from a config: this process runs no informers (diff/event controllers, linkers, diff decorator). */
export const informersSection = z
  .object({
    /**
     * This process's own cluster: the diff and event controllers watch (and elect leaders in) only it;
     * the other `clusters` are read by linkers and the object cache. Default: the first of `clusters`.
     * Must name one of `clusters` (checked with the whole config).
     */
    cluster: z.string().min(1).optional(),
    kube: kubeSection,
    diffCache: diffCacheSection,
    diffController: diffControllerSection,
    diffDecorator: diffDecoratorSection,
    eventController: eventControllerSection,
    linkers: linkerSection,
    /** The diff debug API (runtime/diff/api.ts): what the diff cache holds per object. Absent = off. */
    diffApi: z.object({ listen: listenAddress }).optional(),
  });
export type InformersConfig = z.output<typeof informersSection>;

/** The cluster whose diff and event controllers run in this process (see `informers.cluster`). */
export function ownClusterOf(config: { clusters: readonly { name: string }[]; informers?: { cluster?: string } }): string {
  return config.informers?.cluster ?? config.clusters[0]!.name;
}

/** The config's informers section, or its defaults when the config has none (components built directly, tests). */
export function informersConfigOf(config: { informers?: InformersConfig }): InformersConfig {
  return config.informers ?? informersSection.parse({});
}
