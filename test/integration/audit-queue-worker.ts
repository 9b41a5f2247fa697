/**
 * One `kelemetry run`-like runtime for the durable audit queue test, in its own process so it can be
 * SIGKILLed: the app with the Redis queue backend and Redis span cache, exporting to a file sink (each
 * exported span one JSON line, appended synchronously before the export is acknowledged, so the file holds
 * exactly what was exported even after a SIGKILL). A decorator stamps when each event was processed.
 *
 *   tsx test/integration/audit-queue-worker.ts '<json: WorkerJob>'
 * prints `{"url": "<webhook base URL>"}` once serving; SIGTERM stops it gracefully.
 */
import { appendFileSync } from 'node:fs';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { startApp } from '../../app/app.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { sleep } from '../../runtime/util/sleep.ts';

export interface WorkerJob {
  redis: string;
  streamPrefix: string;
  spanPrefix: string;
  sinkFile: string;
  replica: string;
  partitions: number;
  /** Each event's processing takes this long (a decorator sleeps), so a SIGKILL finds work in flight. */
  delayMs: number;
}

export interface SinkLine {
  replica: string;
  spanId: string;
  traceId: string;
  auditId: string;
  name: string;
  /** performance.timeOrigin + now() when the consumer processed the event (decorator). */
  processedAt: number;
}

function fileExporter(file: string, replica: string): SpanExporter {
  return {
    export(spans: ReadableSpan[], done) {
      const lines = spans
        .filter((s) => typeof s.attributes.auditId === 'string')
        .map((s): SinkLine => {
          const ctx = s.spanContext();
          return { replica, spanId: ctx.spanId, traceId: ctx.traceId, auditId: String(s.attributes.auditId), name: s.name, processedAt: Number(s.attributes.processedAt) };
        });
      if (lines.length > 0) appendFileSync(file, lines.map((l) => JSON.stringify(l) + '\n').join(''));
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => Promise.resolve(),
  };
}

const job = JSON.parse(process.argv[2]!) as WorkerJob;
const config = parseConfig({
  clusters: [{ name: 'durable' }],
  tracer: { otlpEndpoint: '127.0.0.1:1', scheduledDelay: '50ms' },
  stores: { redis: { url: `redis://${job.redis}` }, spanCache: { backend: 'redis', prefix: job.spanPrefix } },
  audit: {
    queue: {
      backend: 'redis',
      partitions: job.partitions,
      redis: { address: job.redis, streamPrefix: job.streamPrefix, leaseDuration: '2s', renewInterval: '500ms', readBatch: 50, blockTimeout: '200ms' },
    },
  },
});
const app = await startApp({
  config,
  logger: createLogger({ level: 'warn' }, { replica: job.replica }),
  exporter: fileExporter(job.sinkFile, job.replica),
  auditListen: { host: '127.0.0.1', port: 0 },
  metricsListen: { host: '127.0.0.1', port: 0 },
});
app.audit!.decorators.push(async () => {
  const processedAt = String(performance.timeOrigin + performance.now());
  await sleep(job.delayMs);
  return { tags: { processedAt } };
});
process.on('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
process.stdout.write(JSON.stringify({ url: app.audit!.url, metrics: app.metricsUrl }) + '\n');
