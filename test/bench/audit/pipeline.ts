/**
 * The measured side: the runtime's audit pipeline in this process, exporting to a local OTLP sink or a
 * real collector, with a probe timing each audit span from webhook receipt to exporter acknowledgement.
 */
import { Registry } from 'prom-client';
import { startApp, type RunningApp } from '../../../app/app.ts';
import { parseConfig } from '../../../runtime/config/load.ts';
import type { RedisStreamQueue } from '../../../runtime/audit/queue/redis.ts';
import { createLogger } from '../../../runtime/util/log.ts';
import { sleep } from '../../../runtime/util/sleep.ts';
import { settle } from '../common/settle.ts';
import { eventList } from './generate.ts';
import type { Options } from './options.ts';
import { startOtlpSink, type OtlpSink } from './sink.ts';
import { warmUpBatches } from './stream.ts';

export interface Pipeline {
  /** One runtime per consumer replica (`--replicas`); the first one's webhook takes the load. */
  apps: RunningApp[];
  registries: Registry[];
  /** Where to POST audit events. */
  url: string;
  stop(): Promise<void>;
}

function spanCacheStores(opts: Options, prefix: string): Record<string, unknown> {
  if (opts.spanCache === 'etcd') return { etcd: { endpoints: [opts.etcd ?? 'http://127.0.0.1:2379'] }, spanCache: { backend: 'etcd', prefix } };
  if (opts.spanCache === 'redis') return { redis: { url: opts.redis ?? 'redis://127.0.0.1:6379' }, spanCache: { backend: 'redis', prefix } };
  return {};
}

/** `--queue redis`: the durable queue on the `--redis` server, under a prefix of its own per run. */
function auditQueue(opts: Options, run: number): Record<string, unknown> {
  if (opts.queue === 'memory') return { partitions: opts.partitions };
  const address = new URL(opts.redis ?? 'redis://127.0.0.1:6379').host;
  return { backend: 'redis', partitions: opts.partitions, redis: { address, streamPrefix: `kelemetry-bench:${run}` } };
}

export async function startPipeline(opts: Options): Promise<Pipeline> {
  const sink: OtlpSink | undefined = opts.otlp ? undefined : await startOtlpSink();
  const run = Date.now();
  const config = parseConfig({
    clusters: [{ name: 'bench' }],
    tracer: { otlpEndpoint: opts.otlp ?? sink!.endpoint, scheduledDelay: '200ms' },
    stores: spanCacheStores(opts, `/span-bench-${run}/`),
    audit: { queue: auditQueue(opts, run) },
  });
  const apps: RunningApp[] = [];
  const registries: Registry[] = [];
  for (let i = 0; i < opts.replicas; i++) {
    const registry = new Registry();
    registries.push(registry);
    apps.push(
      await startApp({
        config,
        registry,
        logger: createLogger({ level: 'warn' }, { replica: i }),
        auditListen: { host: '127.0.0.1', port: 0 },
        metricsListen: { host: '127.0.0.1', port: 0 },
      }),
    );
  }
  if (opts.queue === 'redis') await balanced(apps, opts.partitions);
  const stop = async () => {
    for (const app of apps) await app.stop();
    await sink?.stop();
  };
  return { apps, registries, url: `${apps[0]!.audit!.url}/audit/bench`, stop };
}

/** Waits until every replica reads its share of the partitions, so the measurement excludes the start-up re-balancing. */
async function balanced(apps: RunningApp[], partitions: number): Promise<void> {
  const share = Math.floor(partitions / apps.length);
  const owned = () => apps.map((a) => (a.audit!.queue as RedisStreamQueue<unknown>).ownedPartitions.length);
  for (const deadline = Date.now() + 60_000; ; await sleep(100)) {
    const counts = owned();
    if (counts.every((n) => n >= share) && counts.reduce((x, y) => x + y, 0) === partitions) return;
    if (Date.now() > deadline) throw new Error(`audit queue partitions not balanced across ${apps.length} replicas after 60 s: ${counts.join(', ')}`);
  }
}

/** Receipt → exported latency of audit spans, and how many were exported. */
export class ExportProbe {
  /** Receipt time per audit ID, recorded by a decorator (which sees the webhook's receipt stamp). */
  private readonly receivedAt = new Map<string, number>();
  readonly latencies: number[] = [];
  exported = 0;
  lastExportMs = 0;

  constructor(private readonly apps: RunningApp[]) {
    for (const app of apps) {
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
    await settle({ done: () => this.exported >= count, progress: () => this.exported, idleMs: 5_000, pollMs: 50, nudge: () => this.flush() });
  }

  flush(): Promise<void> {
    return Promise.all(this.apps.map((a) => a.tracer!.forceFlush())).then(() => undefined);
  }

  reset(): void {
    this.exported = 0;
    this.latencies.length = 0;
  }
}

/** Not measured: the first export loads the OTLP serializer and connects the channel; the batches warm the JIT. */
export async function warmUp(pipeline: Pipeline, probe: ExportProbe): Promise<void> {
  let sent = 0;
  for (const items of warmUpBatches()) {
    const res = await fetch(pipeline.url, { method: 'POST', body: eventList(items) });
    if (res.status !== 200) throw new Error(`warm-up batch refused: ${res.status}`);
    sent += items.length;
  }
  while (probe.exported < sent) {
    await probe.flush();
    await sleep(20);
  }
  probe.reset();
}
