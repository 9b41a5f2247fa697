/**
 * The OTel tracer (spec 3.8): one TracerProvider per service name (`object`, `link`, `audit`, `event`),
 * created lazily, all feeding one bounded batch processor and one OTLP/gRPC exporter. Span timing is
 * explicit, attributes are strings, and a span is exported only when its writer calls `end()`, so the
 * aggregator can persist a span's context before exporting it.
 */
import { readFileSync } from 'node:fs';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, RandomIdGenerator, type IdGenerator, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Registry } from 'prom-client';
import type { Logger } from '../util/log.ts';
import { BoundedBatchProcessor, type BatchConfig, type TracerConfig } from './batchProcessor.ts';
import type { PendingSpan, SpanSpec, Tracer } from './types.ts';

export type { BatchConfig, TracerConfig } from './batchProcessor.ts';

/** What the tracer reads from the `tracer` section (which satisfies it as a whole). */
export type OtlpTracerConfig = BatchConfig & {
  /** Extra OTel resource attributes on every span (e.g. service.version). */
  resourceAttributes?: Record<string, string>;
};

export interface OtlpTracerDeps {
  /** Where batches go: `createOtlpExporter(cfg)` in production, an in-memory exporter in tests. Shut down with the tracer. */
  exporter: SpanExporter;
  logger: Logger;
  registry: Registry;
}

/** The OTLP/gRPC exporter for `tracer` config (insecure, or TLS with optional client certificate). */
export function createOtlpExporter(cfg: TracerConfig): SpanExporter {
  const hasScheme = /^https?:\/\//.test(cfg.otlpEndpoint);
  const tls = !cfg.insecure || cfg.tls !== undefined;
  const url = hasScheme ? cfg.otlpEndpoint : `${tls ? 'https' : 'http'}://${cfg.otlpEndpoint}`;
  const read = (f: string | undefined) => (f ? readFileSync(f) : null);
  return new OTLPTraceExporter({
    url,
    timeoutMillis: cfg.exportTimeout,
    ...(tls ? { credentials: grpcCredentials.createSsl(read(cfg.tls?.caFile), read(cfg.tls?.keyFile), read(cfg.tls?.certFile)) } : {}),
  });
}

/**
 * Random IDs, except a span ID preset for the next span started: spans written again after a
 * redelivery (audit spans) keep their ID, so the query side can drop the copy.
 */
class PresetIdGenerator implements IdGenerator {
  next: string | undefined;
  private readonly random = new RandomIdGenerator();
  generateTraceId(): string {
    return this.random.generateTraceId();
  }
  generateSpanId(): string {
    const id = this.next;
    this.next = undefined;
    return id ?? this.random.generateSpanId();
  }
}

export class OtlpTracer implements Tracer {
  readonly processor: BoundedBatchProcessor;
  private readonly resourceAttributes: Record<string, string>;
  private readonly ids = new PresetIdGenerator();
  private readonly providers = new Map<string, { provider: BasicTracerProvider; tracer: ReturnType<BasicTracerProvider['getTracer']> }>();

  constructor(cfg: OtlpTracerConfig, deps: OtlpTracerDeps) {
    this.processor = new BoundedBatchProcessor(cfg, deps);
    this.resourceAttributes = cfg.resourceAttributes ?? {};
  }

  private tracerFor(service: string) {
    let entry = this.providers.get(service);
    if (!entry) {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ ...this.resourceAttributes, 'service.name': service }),
        spanProcessors: [this.processor],
        idGenerator: this.ids,
        // Event spans carry many tags and diff logs; the SDK's default of 128 of each is enough but keep it explicit.
        spanLimits: { attributeCountLimit: 256, eventCountLimit: 512 },
      });
      entry = { provider, tracer: provider.getTracer(service) };
      this.providers.set(service, entry);
    }
    return entry.tracer;
  }

  start(spec: SpanSpec): PendingSpan {
    const parentCtx = spec.parent
      ? trace.setSpanContext(ROOT_CONTEXT, { traceId: spec.parent.traceId, spanId: spec.parent.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true })
      : ROOT_CONTEXT;
    const tracer = this.tracerFor(spec.service);
    // startSpan asks the generator synchronously, once, for this span's ID.
    this.ids.next = spec.spanId;
    const span: Span = tracer.startSpan(
      spec.name,
      { kind: SpanKind.INTERNAL, startTime: spec.startMs, attributes: spec.attributes, root: !spec.parent },
      parentCtx,
    );
    for (const log of spec.logs ?? []) span.addEvent(log.name, log.attributes, log.timeMs);
    const ctx = span.spanContext();
    let ended = false;
    return {
      ref: { traceId: ctx.traceId, spanId: ctx.spanId },
      end: () => {
        if (ended) return;
        ended = true;
        span.end(spec.endMs);
      },
    };
  }

  forceFlush(): Promise<void> {
    return this.processor.forceFlush();
  }

  async shutdown(): Promise<void> {
    // The processor is shared: shut it down once, then the providers (whose shutdown calls it again, a no-op).
    await this.processor.shutdown();
    await Promise.all([...this.providers.values()].map((p) => p.provider.shutdown()));
  }
}
