/**
 * The measured side: the runtime's audit pipeline in this process, exporting to a local OTLP sink or a
 * real collector, with a probe timing each audit span from webhook receipt to exporter acknowledgement.
 */
import { Registry } from 'prom-client';
import { startApp, type RunningApp } from '../../../app/app.ts';
import { parseConfig } from '../../../runtime/config/load.ts';
import { createLogger } from '../../../runtime/util/log.ts';
import { sleep } from '../../../runtime/util/sleep.ts';
import { settle } from '../common/settle.ts';
import { eventList } from './generate.ts';
import type { Options } from './options.ts';
import { startOtlpSink, type OtlpSink } from './sink.ts';
import { warmUpEvents } from './stream.ts';

export interface Pipeline {
  app: RunningApp;
  registry: Registry;
  /** Where to POST audit events. */
  url: string;
  stop(): Promise<void>;
}

function spanCacheStores(opts: Options): Record<string, unknown> {
  const prefix = `/span-bench-${Date.now()}/`;
  if (opts.spanCache === 'etcd') return { etcd: { endpoints: [opts.etcd ?? 'http://127.0.0.1:2379'] }, spanCache: { backend: 'etcd', prefix } };
  if (opts.spanCache === 'redis') return { redis: { url: opts.redis ?? 'redis://127.0.0.1:6379' }, spanCache: { backend: 'redis', prefix } };
  return {};
}

export async function startPipeline(opts: Options): Promise<Pipeline> {
  const sink: OtlpSink | undefined = opts.otlp ? undefined : await startOtlpSink();
  const config = parseConfig({
    clusters: [{ name: 'bench' }],
    tracer: { otlpEndpoint: opts.otlp ?? sink!.endpoint, scheduledDelay: '200ms' },
    stores: spanCacheStores(opts),
    audit: { queue: { partitions: opts.partitions } },
  });
  const registry = new Registry();
  const app = await startApp({
    config,
    registry,
    logger: createLogger({ level: 'warn' }),
    auditListen: { host: '127.0.0.1', port: 0 },
    metricsListen: { host: '127.0.0.1', port: 0 },
  });
  const stop = async () => {
    await app.stop();
    await sink?.stop();
  };
  return { app, registry, url: `${app.audit!.url}/audit/bench`, stop };
}

/** Receipt → exported latency of audit spans, and how many were exported. */
export class ExportProbe {
  /** Receipt time per audit ID, recorded by a decorator (which sees the webhook's receipt stamp). */
  private readonly receivedAt = new Map<string, number>();
  readonly latencies: number[] = [];
  exported = 0;
  lastExportMs = 0;

  constructor(private readonly app: RunningApp) {
    app.audit!.decorators.push(({ message }) => {
      this.receivedAt.set(message.event.auditID ?? '', message.receivedAtMs);
    });
    app.tracer!.processor.onExported((spans, doneAtMs) => {
      for (const s of spans) {
        const id = s.attributes.auditId;
        if (typeof id === 'string') this.onExported(id, doneAtMs);
      }
    });
  }

  private onExported(auditId: string, doneAtMs: number): void {
    this.exported++;
    this.lastExportMs = doneAtMs;
    const t = this.receivedAt.get(auditId);
    if (t === undefined) return;
    this.latencies.push(doneAtMs - t);
    this.receivedAt.delete(auditId);
  }

  /** Waits until `count` audit spans are exported, or none has been for 5 s. */
  async exportedAtLeast(count: number): Promise<void> {
    await settle({ done: () => this.exported >= count, progress: () => this.exported, idleMs: 5_000, pollMs: 50, nudge: () => this.app.tracer!.forceFlush() });
  }

  reset(): void {
    this.exported = 0;
    this.latencies.length = 0;
  }
}

/** Not measured: the first export loads the OTLP serializer and connects the channel. */
export async function warmUp(pipeline: Pipeline, probe: ExportProbe): Promise<void> {
  const items = warmUpEvents();
  const res = await fetch(pipeline.url, { method: 'POST', body: eventList(items) });
  if (res.status !== 200) throw new Error(`warm-up batch refused: ${res.status}`);
  while (probe.exported < items.length) {
    await pipeline.app.tracer!.forceFlush();
    await sleep(20);
  }
  probe.reset();
}
