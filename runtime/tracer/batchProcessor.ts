/**
 * A batching span processor with an explicit bound and no silent loss: spans beyond `maxQueueSize`, or
 * beyond `maxQueueBytes` of estimated size (spanBytes.ts), are dropped, counted in
 * `tracer_spans_dropped_total{reason="queue_full"}` and logged; failed exports are retried with backoff,
 * and a batch that still fails after `exportAttempts` is counted as `reason="export_failed"` and logged.
 * (The SDK's BatchSpanProcessor drops past 2,048 queued spans with only a debug message.)
 *
 * When to export: a full batch (`maxExportBatchSize`) at once; `exportChunk` spans or more at the end of the
 * event loop's turn in which they ended (a long burst goes out in pieces as its writer yields, so the first
 * spans of a webhook batch do not wait for its last); otherwise as soon as no span has ended for
 * `exportIdle` ms (the burst of spans from one webhook batch is complete), and at the latest
 * `scheduledDelay` after the first queued span, so a steady trickle still goes out in batches. Waiting the
 * whole `scheduledDelay` after every burst was most of the audit receipt → export latency.
 *
 * One instance is shared by the tracer providers of all service names, so batches mix services; the
 * OTLP exporter groups spans by resource itself.
 */
import type { Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Registry } from 'prom-client';
import { defaultMaxQueueBytes, type Config } from '../config/schema.ts';
import { counter, gauge, histogram } from '../metrics/define.ts';
import { backoffDelay } from '../util/backoff.ts';
import type { Logger } from '../util/log.ts';
import { sleep } from '../util/sleep.ts';
import { spanBytes } from './spanBytes.ts';

/** The `tracer` config section. */
export type TracerConfig = NonNullable<Config['tracer']>;

/** The batching part of the `tracer` section (durations in ms), plus knobs the file does not expose. */
export type BatchConfig = Pick<TracerConfig, 'maxQueueSize' | 'maxExportBatchSize' | 'scheduledDelay' | 'exportTimeout' | 'exportAttempts'> & {
  /** `tracer.maxQueueBytes`; default defaultMaxQueueBytes. */
  maxQueueBytes?: number;
  /** Batches exported at the same time; default 2. */
  maxConcurrentExports?: number;
  /** First retry delay in ms; doubles per attempt, capped at 5 s. Default 250. */
  retryBaseDelay?: number;
  /** Export what is queued once no span has ended for this long (ms); default 10. */
  exportIdle?: number;
  /** Export what is queued at the end of a loop turn once at least this many spans wait; default 128. */
  exportChunk?: number;
};

export interface BatchDeps {
  /** Shut down with the processor. */
  exporter: SpanExporter;
  logger: Logger;
  registry: Registry;
}

export type ExportListener = (spans: ReadableSpan[], doneAtMs: number) => void;

export class BoundedBatchProcessor implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  /** Estimated bytes of each queued span (same order as `queue`), and their sum. */
  private queueBytes: number[] = [];
  private queuedBytes = 0;
  /** Spans taken into the queue so far; the queue holds numbers ended-queue.length+1 … ended. */
  private ended = 0;
  /** Spans dropped so far, for callers that must not trust a span that may be among them. */
  private droppedCount = 0;
  /** First span number of each export in flight. */
  private readonly inFlightFrom = new Map<Promise<void>, number>();
  private waiters: { upTo: number; resolve: () => void }[] = [];
  /** Fires `scheduledDelay` after the first span queued since the last export. */
  private timer: NodeJS.Timeout | undefined;
  /** Fires once no span has ended for `exportIdle` (pushed back by each span). */
  private idleTimer: NodeJS.Timeout | undefined;
  /** Exports at the end of this loop turn, armed once `exportChunk` spans wait. */
  private turnEnd: NodeJS.Immediate | undefined;
  private inFlight = new Set<Promise<void>>();
  private shutDown = false;
  private readonly listeners: ExportListener[] = [];
  private droppedSinceLog = 0;
  private lastDropLogMs = 0;
  private readonly cfg: Required<BatchConfig>;
  private readonly exporter: SpanExporter;
  private readonly logger: Logger;
  private readonly metrics;

  constructor(cfg: BatchConfig, deps: BatchDeps) {
    this.cfg = { maxQueueBytes: defaultMaxQueueBytes, maxConcurrentExports: 2, retryBaseDelay: 250, exportIdle: 10, exportChunk: 128, ...cfg };
    this.exporter = deps.exporter;
    this.logger = deps.logger;
    const registry = deps.registry;
    this.metrics = {
      exported: counter(registry, 'tracer_spans_exported_total', 'Spans accepted by the OTLP endpoint', []),
      dropped: counter(registry, 'tracer_spans_dropped_total', 'Spans dropped: queue full or export failed after retries', ['reason']),
      batches: counter(registry, 'tracer_export_batches_total', 'Export attempts by result', ['result']),
      duration: histogram(registry, 'tracer_export_duration_seconds', 'Duration of one export attempt', ['result']),
    };
    gauge(registry, 'tracer_queue_size', 'Spans waiting for export', [], (g) => g.set(this.pending));
    gauge(registry, 'tracer_queue_capacity', 'Bound of spans waiting for export', [], (g) => g.set(this.cfg.maxQueueSize));
    gauge(registry, 'tracer_queue_bytes', 'Estimated bytes of the spans waiting for export', [], (g) => g.set(this.queuedBytes));
    gauge(registry, 'tracer_queue_capacity_bytes', 'Bound of the estimated bytes waiting for export', [], (g) => g.set(this.cfg.maxQueueBytes));
  }

  /** Spans queued or being exported. */
  get pending(): number {
    return this.queue.length;
  }

  /** Called after each successful export (benchmarks measure end-to-end latency with it). */
  onExported(listener: ExportListener): void {
    this.listeners.push(listener);
  }

  onStart(_span: Span, _ctx: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.shutDown) {
      this.drop('shutdown', 1);
      return;
    }
    const bytes = spanBytes(span);
    if (this.queue.length >= this.cfg.maxQueueSize || this.queuedBytes + bytes > this.cfg.maxQueueBytes) {
      this.drop('queue_full', 1);
      return;
    }
    this.queue.push(span);
    this.queueBytes.push(bytes);
    this.queuedBytes += bytes;
    this.ended++;
    if (this.queue.length >= this.cfg.maxExportBatchSize) this.pump();
    else this.arm();
  }

  /** A chunk's worth is queued: export it once the writer gives the loop a turn (not in the middle of its work). */
  private get chunkReady(): boolean {
    return this.queue.length >= this.cfg.exportChunk;
  }

  /** Schedules the export of what is queued: after a pause of `exportIdle`, at the latest after `scheduledDelay`. */
  private arm(): void {
    this.timer ??= setTimeout(() => this.pump(), this.cfg.scheduledDelay);
    if (this.idleTimer) this.idleTimer.refresh();
    else this.idleTimer = setTimeout(() => this.pump(), this.cfg.exportIdle);
    if (this.chunkReady) this.turnEnd ??= setImmediate(() => this.pump());
  }

  private disarm(): void {
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
    clearImmediate(this.turnEnd);
    this.timer = this.idleTimer = this.turnEnd = undefined;
  }

  private drop(reason: string, n: number): void {
    this.droppedCount += n;
    this.metrics.dropped.inc({ reason }, n);
    this.droppedSinceLog += n;
    const now = Date.now();
    // One line per 10 s at most, with the count, so a flood of drops cannot flood the log.
    if (now - this.lastDropLogMs >= 10_000) {
      this.logger.error('spans dropped', { reason, dropped: this.droppedSinceLog, maxQueueSize: this.cfg.maxQueueSize, maxQueueBytes: this.cfg.maxQueueBytes });
      this.droppedSinceLog = 0;
      this.lastDropLogMs = now;
    }
  }

  /** Starts exports while there is work and a free slot. */
  private pump(): void {
    this.disarm();
    while (this.queue.length > 0 && this.inFlight.size < this.cfg.maxConcurrentExports) {
      const from = this.ended - this.queue.length + 1;
      const batch = this.queue.splice(0, this.cfg.maxExportBatchSize);
      for (const b of this.queueBytes.splice(0, batch.length)) this.queuedBytes -= b;
      const p: Promise<void> = this.exportWithRetry(batch).finally(() => {
        this.inFlight.delete(p);
        this.inFlightFrom.delete(p);
        this.wakeWaiters();
        if (this.chunkReady || (this.shutDown && this.queue.length > 0)) this.pump();
        else if (this.queue.length > 0) this.arm();
      });
      this.inFlight.add(p);
      this.inFlightFrom.set(p, from);
    }
  }

  /** Spans dropped since start (queue full, export failed, shut down). */
  get dropped(): number {
    return this.droppedCount;
  }

  /**
   * Resolves once every span ended before the call has been exported or dropped (compare `dropped`
   * before and after to know which). Unlike forceFlush it does not wait for spans ended later, so it
   * returns under steady load; it does start exporting what is queued.
   */
  settled(): Promise<void> {
    const upTo = this.ended;
    if (this.firstUnsettled() > upTo) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push({ upTo, resolve }));
    this.pump();
    return done;
  }

  /** The number of the oldest span still queued or being exported (ended + 1 when none). */
  private firstUnsettled(): number {
    let first = this.ended - this.queue.length + 1;
    for (const from of this.inFlightFrom.values()) first = Math.min(first, from);
    return first;
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const first = this.firstUnsettled();
    const ready = this.waiters.filter((w) => w.upTo < first);
    this.waiters = this.waiters.filter((w) => w.upTo >= first);
    for (const w of ready) w.resolve();
  }

  private exportOnce(batch: ReadableSpan[]): Promise<ExportResult> {
    return new Promise((resolve) => {
      const timeout = setTimeout(
        () => resolve({ code: ExportResultCode.FAILED, error: new Error(`export timed out after ${this.cfg.exportTimeout} ms`) }),
        this.cfg.exportTimeout,
      );
      try {
        this.exporter.export(batch, (result) => {
          clearTimeout(timeout);
          resolve(result);
        });
      } catch (err) {
        clearTimeout(timeout);
        resolve({ code: ExportResultCode.FAILED, error: err as Error });
      }
    });
  }

  private async exportWithRetry(batch: ReadableSpan[]): Promise<void> {
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= this.cfg.exportAttempts; attempt++) {
      const end = this.metrics.duration.startTimer();
      const result = await this.exportOnce(batch);
      if (result.code === ExportResultCode.SUCCESS) {
        end({ result: 'ok' });
        this.metrics.batches.inc({ result: 'ok' });
        this.metrics.exported.inc(batch.length);
        const now = Date.now();
        for (const l of this.listeners) l(batch, now);
        return;
      }
      end({ result: 'error' });
      lastError = result.error;
      if (attempt < this.cfg.exportAttempts) {
        this.metrics.batches.inc({ result: 'retry' });
        this.logger.warn('span export failed, retrying', { attempt, spans: batch.length, err: lastError });
        await sleep(backoffDelay(attempt, { initialMs: this.cfg.retryBaseDelay, maxMs: 5_000 }));
      }
    }
    this.metrics.batches.inc({ result: 'failed' });
    this.droppedCount += batch.length;
    this.metrics.dropped.inc({ reason: 'export_failed' }, batch.length);
    this.logger.error('span export failed, batch dropped', { attempts: this.cfg.exportAttempts, spans: batch.length, err: lastError });
  }

  async forceFlush(): Promise<void> {
    // Export everything queued now, including spans queued by exports finishing meanwhile.
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      this.pump();
      await Promise.all([...this.inFlight]);
    }
  }

  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    await this.forceFlush();
    this.shutDown = true;
    this.disarm();
    await this.exporter.shutdown();
  }
}
