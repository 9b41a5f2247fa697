/**
 * Span cache backends for the contract tests and their worker process: memory, and etcd / Redis
 * against the real servers of the test environment.
 */
import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { SpanAggregator } from '../../runtime/aggregator/aggregator.ts';
import { EtcdSpanCache } from '../../runtime/spancache/etcd.ts';
import { MemorySpanCache } from '../../runtime/spancache/memory.ts';
import { RedisSpanCache } from '../../runtime/spancache/redis.ts';
import type { SpanCache } from '../../runtime/spancache/types.ts';
import { OtlpTracer } from '../../runtime/tracer/otlp.ts';
import { nullLogger } from '../../runtime/util/log.ts';

export type BackendName = 'memory' | 'etcd' | 'redis';

export interface BackendTarget {
  name: BackendName;
  /** etcd: http://host:port; redis: host:port; memory: unused. */
  endpoint: string;
  prefix: string;
}

export interface OpenCache {
  cache: SpanCache;
  close(): Promise<void>;
}

/** A new client connection each time: separate clients are what contend in production. */
export function openCache(t: BackendTarget): OpenCache {
  if (t.name === 'etcd') {
    const client = new Etcd3({ hosts: t.endpoint });
    return { cache: new EtcdSpanCache({ prefix: t.prefix }, { client }), close: async () => client.close() };
  }
  if (t.name === 'redis') {
    const [host, port] = t.endpoint.split(':');
    const client = new Redis({ host, port: Number(port), maxRetriesPerRequest: 3 });
    return {
      cache: new RedisSpanCache({ prefix: t.prefix }, { client }),
      close: async () => {
        await client.quit();
      },
    };
  }
  const cache = new MemorySpanCache();
  return { cache, close: () => cache.close() };
}

export function uniquePrefix(): string {
  return `/span-test-${randomBytes(4).toString('hex')}/`;
}

export interface Writer {
  aggregator: SpanAggregator;
  exporter: InMemorySpanExporter;
  tracer: OtlpTracer;
  close(): Promise<void>;
}

/** An aggregator with its own cache client and its own in-memory export (a "consumer process"). */
export function writer(cache: OpenCache, opts: { spanTtlMs?: number; reserveTtlMs?: number; maxReserveWaitMs?: number } = {}): Writer {
  const exporter = new InMemorySpanExporter();
  const registry = new Registry();
  const tracer = new OtlpTracer(
    { maxQueueSize: 100_000, maxExportBatchSize: 1000, scheduledDelay: 5, exportTimeout: 1000, exportAttempts: 1 },
    { exporter, logger: nullLogger, registry },
  );
  const aggregator = new SpanAggregator(
    { spanTtl: opts.spanTtlMs ?? 30 * 60_000, reserveTtl: opts.reserveTtlMs ?? 10_000, maxReserveWait: opts.maxReserveWaitMs },
    { spanCache: cache.cache, tracer, registry, logger: nullLogger },
  );
  return {
    aggregator,
    exporter,
    tracer,
    close: async () => {
      await tracer.shutdown();
      await cache.close();
    },
  };
}
