/**
 * The runtime configuration: one typed, validated document for every role of the `kelemetry` process
 * (audit webhook + consumer, informers, storage plugin). The operator renders exactly this type into a
 * ConfigMap; `kelemetry run --config FILE` validates it at start-up.
 *
 * Each component owns its section file under ./sections; shared pieces (clusters, stores, tracer,
 * metrics) live here.
 */
import { z } from 'zod';
import { DNS_LABEL, cacheBackend, clientTls, duration, etcdConnection, listenAddress, redisConnection } from './common.ts';
import { auditSection } from './sections/audit.ts';
import { informersSection } from './sections/informers.ts';
import { pluginSection } from './sections/plugin.ts';
import { kelemetrixSection } from './sections/kelemetrix.ts';
import { resourceTagsSection } from '../tagger/config.ts';

export const clusterConfig = z.object({
  /** Cluster name: appears in every span's `cluster` tag and in the audit webhook path /audit/<name>. */
  name: z.string().max(63).regex(DNS_LABEL, 'cluster names are DNS labels: lowercase letters, digits and -'),
  /** Path to a kubeconfig file; absent means in-cluster credentials. */
  kubeconfig: z.string().min(1).optional(),
  /** Source IPs of this cluster's apiservers, so audit POSTs to /audit (without a cluster) can be attributed. */
  apiserverAddresses: z.array(z.string()).default([]),
});

/** Shared stores; the component sections pick a backend and a key prefix per cache. */
const storesSection = z.object({
  etcd: etcdConnection.optional(),
  redis: redisConnection.optional(),
  /** Where object span contexts are shared (spec 4.1). Several writer replicas need etcd or redis. */
  spanCache: z
    .object({
      backend: cacheBackend.default('memory'),
      /** Key prefix; `/span/` keeps the Go writer's etcd layout (spec 13.2). */
      prefix: z.string().default('/span/'),
      /** How long a reservation lives; a crashed creator's key is reclaimed after this. */
      reserveTtl: duration.prefault('10s'),
      /**
       * Cache retention past the end of a window: how late an event may be handled and still join its
       * window's object span (later, it starts a second one). Covers the event controller's maxEventAge
       * (5m) and audit queue lag; the original's chart used 1m.
       */
      extraTtl: duration.prefault('10m'),
    })
    .prefault({}),
});

/** `tracer.maxQueueBytes` when unset (also for processors built without the file, e.g. in tests). */
export const defaultMaxQueueBytes = 128 * 1024 * 1024;

const tracerSection = z.object({
  /** OTLP/gRPC endpoint of the Jaeger collector (or remote storage), host:port or http(s)://host:port. */
  otlpEndpoint: z.string().min(1),
  insecure: z.boolean().default(true),
  tls: clientTls.optional(),
  /** Spans buffered before export; beyond this they are dropped and counted (never silently). */
  maxQueueSize: z.number().int().positive().default(65_536),
  /** The same bound in bytes (estimated from names, attributes and events): a few huge spans cannot exhaust memory. */
  maxQueueBytes: z.number().int().positive().default(defaultMaxQueueBytes),
  maxExportBatchSize: z.number().int().positive().default(2_048),
  exportTimeout: duration.prefault('10s'),
  scheduledDelay: duration.prefault('500ms'),
  /** Extra OTel resource attributes on every span (e.g. service.version). */
  resourceAttributes: z.record(z.string(), z.string()).default({}),
  /**
   * Attempts per export batch before its spans are dropped and counted. Backoff doubles from 250 ms up to 5 s
   * between attempts: 12 rides out about 40 s of collector downtime (a restart or a rollout), while spans keep
   * queueing up to `maxQueueSize`.
   */
  exportAttempts: z.number().int().min(1).default(12),
  /** Tags added to every object and link span (e.g. runId). */
  pseudoSpanTags: z.record(z.string(), z.string()).default({}),
  /** Tags added to every audit and event span. */
  eventSpanTags: z.record(z.string(), z.string()).default({}),
  /** Tags taken from objects by resource (spec 4.7), e.g. `nodes` on Pods. */
  resourceTags: resourceTagsSection.prefault({}),
});

const metricsSection = z.object({
  /** Prometheus /metrics plus /healthz and /readyz. */
  listen: listenAddress.default('127.0.0.1:9090'),
  /** Also serve the original Kelemetry's series (`<name>_histogram` in ns, `_summary`, `_gauge`; runtime/metrics/originalNames.ts). */
  originalNames: z.boolean().default(false),
});

export const configSchema = z
  .object({
    clusters: z.array(clusterConfig).min(1, 'name at least one cluster'),
    /** Window of one object trace (spec 3.2). */
    spanTtl: duration.prefault('30m'),
    stores: storesSection.prefault({}),
    tracer: tracerSection.optional(),
    metrics: metricsSection.prefault({}),
    audit: auditSection.optional(),
    informers: informersSection.optional(),
    plugin: pluginSection.optional(),
    kelemetrix: kelemetrixSection.optional(),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.clusters.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: ['clusters', i, 'name'], message: `duplicate cluster name "${c.name}"` });
      seen.add(c.name);
    });
    const own = cfg.informers?.cluster;
    if (own !== undefined && !seen.has(own)) {
      ctx.addIssue({ code: 'custom', path: ['informers', 'cluster'], message: `informers.cluster "${own}" is not one of clusters[].name` });
    }
    if (cfg.audit?.consumer.enabled && !cfg.tracer) {
      ctx.addIssue({ code: 'custom', path: ['tracer'], message: 'audit.consumer is enabled: set tracer.otlpEndpoint (or disable audit.consumer)' });
    }
    const events = cfg.informers?.eventController;
    if (events?.enabled && cfg.stores.spanCache.extraTtl < events.maxEventAge) {
      ctx.addIssue({
        code: 'custom',
        path: ['stores', 'spanCache', 'extraTtl'],
        message: 'stores.spanCache.extraTtl is shorter than informers.eventController.maxEventAge: an Event that late would start a second object span for its window',
      });
    }
    const backend = cfg.stores.spanCache.backend;
    if (backend !== 'memory' && !cfg.stores[backend]) {
      ctx.addIssue({ code: 'custom', path: ['stores', backend], message: `stores.spanCache.backend is "${backend}": configure stores.${backend}` });
    }
  });

/** The config as written in files (durations as text, defaults optional). */
export type ConfigInput = z.input<typeof configSchema>;
/** The validated config (durations in ms, defaults applied). */
export type Config = z.output<typeof configSchema>;
export type ClusterConfig = z.output<typeof clusterConfig>;
