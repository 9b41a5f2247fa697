/**
 * The composition root of `kelemetry run`: builds the components the config enables from their config
 * sections, hands each the collaborators it needs, and stops them in reverse order. Tests and
 * benchmarks call it too, with overrides for ports and the span exporter.
 *
 *   metrics server (/metrics, /healthz, /readyz): first up, last down
 *   store clients (etcd, Redis) shared by every cache: closed after the caches
 *   tracer ──► span cache ──► aggregator ──► audit pipeline (webhook, queue, consumer, forward)
 *                                            kelemetrix (audit-derived metrics) observes every accepted event
 *   informers (diff + event controllers, linkers on the aggregator's link jobs, diff debug API; diff decorator for the consumer,
 *     stopped before the audit pipeline so its queue drains without waiting for diffs)
 *   storage plugin with its trace cache (plugin/, when config.plugin is set)
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Registry } from 'prom-client';
import type { Aggregator } from '../runtime/aggregator/types.ts';
import { startAuditPipeline, type RunningAuditPipeline } from '../runtime/audit/pipeline.ts';
import type { RunningComponent } from '../runtime/component/types.ts';
import type { Config } from '../runtime/config/schema.ts';
import type { AuditConfig } from '../runtime/config/sections/audit.ts';
import { ownClusterOf } from '../runtime/config/sections/informers.ts';
import { startDiffApi } from '../runtime/diff/api.ts';
import { Kelemetrix } from '../runtime/kelemetrix/kelemetrix.ts';
import { originalSeries } from '../runtime/metrics/originalNames.ts';
import { createRegistry } from '../runtime/metrics/registry.ts';
import { startMetricsServer } from '../runtime/metrics/server.ts';
import type { SpanCache } from '../runtime/spancache/types.ts';
import { StoreClients } from '../runtime/store/clients.ts';
import { exportBarrier } from '../runtime/tracer/barrier.ts';
import type { OtlpTracer } from '../runtime/tracer/otlp.ts';
import { parseHostPort, type HostPort } from '../runtime/util/hostPort.ts';
import { createLogger, type Logger } from '../runtime/util/log.ts';
import { startInformers } from './informers.ts';
import { startPluginComponent } from './plugin.ts';
import { startWritePath } from './writePath.ts';

export interface AppOptions {
  config: Config;
  logger?: Logger;
  registry?: Registry;
  /** Replaces the OTLP exporter (benchmarks, tests). */
  exporter?: SpanExporter;
  /** Overrides `audit.webhook.listen`. */
  auditListen?: HostPort;
  /** Overrides `metrics.listen` (tests bind port 0). */
  metricsListen?: HostPort;
  /** Reads the config again (`kelemetry run`): the audit pipeline applies a changed `audit.filter` without a restart. */
  reloadConfig?: () => Config;
}

export interface RunningApp {
  config: Config;
  registry: Registry;
  logger: Logger;
  components: RunningComponent[];
  tracer?: OtlpTracer;
  spanCache?: SpanCache;
  aggregator?: Aggregator;
  audit?: RunningAuditPipeline;
  metricsUrl: string;
  /** SIGTERM arrived: /readyz turns 503 and the components steer clients away, while everything keeps serving. */
  terminating(): void;
  stop(): Promise<void>;
}

export async function startApp(opts: AppOptions): Promise<RunningApp> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger({}, { app: 'kelemetry' });
  const registry = opts.registry ?? createRegistry();
  const components: RunningComponent[] = [];
  const stop = () => stopAll(components, logger);
  let leaving = false;
  const terminating = () => {
    leaving = true;
    for (const c of components) c.terminating?.();
  };
  try {
    // First up and last down, so /healthz and /readyz answer during start-up and shutdown.
    const original = config.metrics.originalNames ? () => originalSeries(registry) : undefined;
    const metrics = await startMetricsServer(opts.metricsListen ?? parseHostPort(config.metrics.listen, 'metrics.listen'), registry, () => components, logger, original);
    components.push({ name: 'metrics', stop: () => metrics.stop(), ready: () => !leaving });
    const stores = new StoreClients(config.stores, logger.child({ component: 'stores' }));
    components.push({ name: 'stores', stop: () => stores.close() });

    const tracerConfig = config.tracer;
    const write = tracerConfig ? startWritePath({ ...config, tracer: tracerConfig }, { logger, registry, stores, exporter: opts.exporter, components }) : undefined;
    const informers = startInformers(config, { logger, registry, stores, aggregator: write?.aggregator, spanCache: write?.spanCache, exported: write && exportBarrier(write.tracer.processor) });
    components.push(...informers.components);
    const diffApi = config.informers?.diffApi;
    if (diffApi && informers.diffCache) {
      components.push(await startDiffApi(diffApi.listen, { cache: informers.diffCache, cluster: ownClusterOf(config), logger: logger.child({ component: 'diff-api' }), registry }));
    }
    const auditConfig = config.audit;
    const audit = auditConfig
      ? await startAudit({ ...config, audit: auditConfig }, {
          logger,
          registry,
          aggregator: write?.aggregator,
          tracer: write?.tracer,
          decorators: informers.decorators,
          listen: opts.auditListen,
          reload: opts.reloadConfig && (() => opts.reloadConfig!().audit),
        })
      : undefined;
    if (audit) components.push(audit);
    components.push(...informers.stopBeforeAudit);
    const pluginConfig = config.plugin;
    if (pluginConfig) components.push(await startPluginComponent({ ...config, plugin: pluginConfig }, { logger, registry, stores }));

    logger.info('startup complete', { components: components.map((c) => c.name), metrics: metrics.url, audit: audit?.url });
    return { config, registry, logger, components, ...write, audit, metricsUrl: metrics.url, terminating, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The audit pipeline, with kelemetrix observing it when configured. */
function startAudit(
  config: Config & { audit: AuditConfig },
  deps: {
    logger: Logger;
    registry: Registry;
    aggregator?: Aggregator;
    /** Its batch processor tells the durable audit queue when spans are exported (ack after export). */
    tracer?: OtlpTracer;
    decorators: RunningAuditPipeline['decorators'];
    listen?: HostPort;
    reload?: () => AuditConfig | undefined;
  },
): Promise<RunningAuditPipeline> {
  const { logger, registry } = deps;
  const kelemetrix = config.kelemetrix ? new Kelemetrix(config.kelemetrix, { logger, registry }) : undefined;
  return startAuditPipeline(config.audit, {
    clusters: config.clusters,
    aggregator: deps.aggregator,
    registry,
    logger,
    listen: deps.listen,
    observe: kelemetrix?.observe,
    decorators: deps.decorators,
    reload: deps.reload,
    barrier: deps.tracer && exportBarrier(deps.tracer.processor),
  });
}

/** Stops in reverse start order; a failure is logged and does not keep the others running. */
async function stopAll(components: RunningComponent[], logger: Logger): Promise<void> {
  for (const c of [...components].reverse()) {
    try {
      await c.stop();
      logger.info('stopped', { component: c.name });
    } catch (err) {
      logger.error('stopping failed', { component: c.name, err });
    }
  }
}
