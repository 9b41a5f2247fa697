/**
 * Process wiring: builds the components the config enables, in dependency order, and stops them in
 * reverse. `kelemetry run` calls this; tests and benchmarks call it too, with overrides for ports and
 * the span exporter.
 *
 *   tracer ──► span cache ──► aggregator ──► audit pipeline (webhook, queue, consumer, forward)
 *                                            kelemetrix (audit-derived metrics) observes every accepted event
 *   informers (diff + event controllers, linkers on the aggregator's link jobs; diff decorator for the consumer)
 *   storage plugin (plugin/, when config.plugin is set)
 *   metrics server (/metrics, /healthz, /readyz) first up, last down.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Registry } from 'prom-client';
import { SpanAggregator } from '../aggregator/aggregator.ts';
import type { Aggregator } from '../aggregator/types.ts';
import type { Config } from '../config/schema.ts';
import { createRegistry } from '../metrics/registry.ts';
import { createSpanCache } from '../spancache/index.ts';
import type { SpanCache } from '../spancache/types.ts';
import { OtlpTracer } from '../tracer/otlp.ts';
import { parseHostPort } from '../util/hostPort.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { startAuditPipeline, type RunningAuditPipeline } from '../audit/pipeline.ts';
import { Kelemetrix } from '../kelemetrix/kelemetrix.ts';
import { startInformers } from '../k8s/informers.ts';
import type { RunningComponent } from './component.ts';
import { startMetricsServer, type RunningMetricsServer } from './metricsServer.ts';

export interface AppOptions {
  config: Config;
  logger?: Logger;
  registry?: Registry;
  /** Replaces the OTLP exporter (benchmarks, tests). */
  exporter?: SpanExporter;
  /** Overrides `audit.webhook.listen`. */
  auditListen?: { host: string; port: number };
  /** Overrides `metrics.listen` (tests bind port 0). */
  metricsListen?: { host: string; port: number };
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
  stop(): Promise<void>;
}

export async function startApp(opts: AppOptions): Promise<RunningApp> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger({}, { app: 'kelemetry' });
  const registry = opts.registry ?? createRegistry();
  const components: RunningComponent[] = [];
  const app: Omit<RunningApp, 'stop' | 'metricsUrl'> = { config, registry, logger, components };

  const stopAll = async () => {
    for (const c of [...components].reverse()) {
      try {
        await c.stop();
        logger.info('stopped', { component: c.name });
      } catch (err) {
        logger.error('stopping failed', { component: c.name, err: err });
      }
    }
  };

  try {
    // First up and last down, so /healthz and /readyz answer during start-up and shutdown.
    const metrics: RunningMetricsServer = await startMetricsServer(opts.metricsListen ?? parseHostPort(config.metrics.listen, 'metrics.listen'), registry, () => components, logger);
    components.push({ name: 'metrics', stop: () => metrics.stop() });

    if (config.tracer) {
      const tracer = OtlpTracer.fromConfig(config.tracer, logger.child({ component: 'tracer' }), registry, opts.exporter);
      app.tracer = tracer;
      components.push({ name: 'tracer', stop: () => tracer.shutdown() });

      const spanCache = createSpanCache(config, registry);
      app.spanCache = spanCache;
      components.push({ name: `spancache/${spanCache.backend}`, stop: () => spanCache.close() });

      app.aggregator = new SpanAggregator({
        spanCache,
        tracer,
        registry,
        logger: logger.child({ component: 'aggregator' }),
        spanTtlMs: config.spanTtl,
        reserveTtlMs: config.stores.spanCache.reserveTtl,
        extraTtlMs: config.stores.spanCache.extraTtl,
        pseudoSpanTags: config.tracer.pseudoSpanTags,
        eventSpanTags: config.tracer.eventSpanTags,
      });
    }

    // Diff and event controllers, linkers, and the diff decorator the audit consumer runs.
    const informers = startInformers({ config, logger, registry, aggregator: app.aggregator });
    components.push(...informers.components);

    if (config.audit) {
      const kelemetrix = config.kelemetrix ? new Kelemetrix(config.kelemetrix, { logger, registry }) : undefined;
      const audit = await startAuditPipeline(config.audit, {
        clusters: config.clusters,
        aggregator: app.aggregator,
        registry,
        logger,
        listen: opts.auditListen,
        observe: kelemetrix?.observe,
        decorators: informers.decorators,
      });
      app.audit = audit;
      components.push(audit);
    }

    if (config.plugin) {
      // Loaded only when configured: the plugin's gRPC/proto set-up is not needed by the write path.
      const { startPlugin } = await import('../../plugin/index.ts');
      components.push(await startPlugin({ config, logger, registry }));
    }

    logger.info('startup complete', { components: components.map((c) => c.name), metrics: metrics.url, audit: app.audit?.url });
    return { ...app, metricsUrl: metrics.url, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
