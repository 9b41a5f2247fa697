/**
 * The write path of a process with a `tracer` section: the OTLP tracer, the span cache on the shared
 * store clients, and the aggregator that writes through both.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Registry } from 'prom-client';
import { SpanAggregator, aggregatorConfigOf } from '../runtime/aggregator/aggregator.ts';
import type { RunningComponent } from '../runtime/component/types.ts';
import type { Config } from '../runtime/config/schema.ts';
import { createSpanCache } from '../runtime/spancache/index.ts';
import type { SpanCache } from '../runtime/spancache/types.ts';
import type { StoreClients } from '../runtime/store/clients.ts';
import { ResourceTagger } from '../runtime/tagger/tagger.ts';
import { createOtlpExporter, OtlpTracer, type TracerConfig } from '../runtime/tracer/otlp.ts';
import type { Logger } from '../runtime/util/log.ts';

export interface WritePath {
  tracer: OtlpTracer;
  spanCache: SpanCache;
  aggregator: SpanAggregator;
}

export interface WritePathDeps {
  logger: Logger;
  registry: Registry;
  stores: StoreClients;
  /** Replaces the OTLP exporter (benchmarks, tests). */
  exporter?: SpanExporter;
  /** Receives each part as soon as it exists, so a later failure still stops it. */
  components: RunningComponent[];
}

export function startWritePath(config: Config & { tracer: TracerConfig }, deps: WritePathDeps): WritePath {
  const { logger, registry, stores, components } = deps;
  const exporter = deps.exporter ?? createOtlpExporter(config.tracer);
  const tracer = new OtlpTracer(config.tracer, { exporter, logger: logger.child({ component: 'tracer' }), registry });
  components.push({ name: 'tracer', stop: () => tracer.shutdown() });

  const spanCache = createSpanCache(config.stores.spanCache, { stores, registry });
  components.push({ name: `spancache/${spanCache.backend}`, stop: () => spanCache.close() });

  const tagger = new ResourceTagger(config.tracer.resourceTags, registry);
  const aggregator = new SpanAggregator(aggregatorConfigOf(config), { spanCache, tracer, registry, logger: logger.child({ component: 'aggregator' }), tagger });
  return { tracer, spanCache, aggregator };
}
