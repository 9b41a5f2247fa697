import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { nullLogger, type Logger } from '../util/log.ts';
import { OtlpTracer, type BatchConfig } from './otlp.ts';

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  return (await m.get()).values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

function tracerWith(exporter: SpanExporter, registry: Registry, batch: Partial<BatchConfig> = {}, logger: Logger = nullLogger) {
  return new OtlpTracer(
    { maxQueueSize: 100, maxExportBatchSize: 10, scheduledDelay: 5, exportTimeout: 500, exportAttempts: 3, retryBaseDelay: 5, ...batch },
    { exporter, logger, registry },
  );
}

const spec = (i: number) => ({ service: i % 2 ? 'audit' : 'object', name: `s${i}`, startMs: 1000, endMs: 2000, attributes: { i: String(i) } });

describe('bounded batch processor', () => {
  it('drops beyond the bound, counts and logs the drops, and exports the rest', async () => {
    const registry = new Registry();
    const exporter = new InMemorySpanExporter();
    const lines: string[] = [];
    const logger: Logger = { ...nullLogger, error: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`), child: () => logger };
    // The exporter answers only when released, so the queue fills up.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: SpanExporter = {
      export: (spans, cb) => void gate.then(() => exporter.export(spans, cb)),
      shutdown: () => exporter.shutdown(),
    };
    const tracer = tracerWith(slow, registry, { maxQueueSize: 50, maxConcurrentExports: 1 }, logger);
    for (let i = 0; i < 200; i++) tracer.start(spec(i)).end();
    release();
    await tracer.forceFlush();
    const exported = exporter.getFinishedSpans().length;
    const dropped = await value(registry, 'tracer_spans_dropped_total', { reason: 'queue_full' });
    expect(exported + dropped).toBe(200);
    expect(dropped).toBeGreaterThan(0);
    expect(await value(registry, 'tracer_spans_exported_total')).toBe(exported);
    expect(lines.some((l) => l.includes('spans dropped') && l.includes('queue_full'))).toBe(true);
    await tracer.shutdown();
  });

  it('bounds the queue by estimated bytes too, and counts what it drops', async () => {
    const registry = new Registry();
    const exporter = new InMemorySpanExporter();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: SpanExporter = { export: (spans, cb) => void gate.then(() => exporter.export(spans, cb)), shutdown: () => exporter.shutdown() };
    // Nine spans of ~10.3 kB (snapshot, attributes, fixed costs) fit in 100 kB: the other 31 are dropped.
    const tracer = tracerWith(slow, registry, { maxQueueSize: 10_000, maxQueueBytes: 100_000, maxConcurrentExports: 1 });
    const big = (i: number) => ({ ...spec(i), logs: [{ name: 'snapshot', timeMs: 1500, attributes: { snapshot: 'x'.repeat(10_000) } }] });
    for (let i = 0; i < 40; i++) tracer.start(big(i)).end();
    const dropped = await value(registry, 'tracer_spans_dropped_total', { reason: 'queue_full' });
    expect(dropped).toBe(31);
    expect(await value(registry, 'tracer_queue_bytes')).toBeLessThanOrEqual(100_000);
    expect(await value(registry, 'tracer_queue_capacity_bytes')).toBe(100_000);
    release();
    await tracer.forceFlush();
    expect(exporter.getFinishedSpans().length + dropped).toBe(40);
    expect(await value(registry, 'tracer_queue_bytes')).toBe(0);
    await tracer.shutdown();
  });

  it('retries failed exports and only drops (counted) after the last attempt', async () => {
    const registry = new Registry();
    const got: ReadableSpan[] = [];
    let calls = 0;
    const flaky: SpanExporter = {
      export: (spans, cb: (r: ExportResult) => void) => {
        calls++;
        if (calls <= 2) cb({ code: ExportResultCode.FAILED, error: new Error('14 UNAVAILABLE') });
        else {
          got.push(...spans);
          cb({ code: ExportResultCode.SUCCESS });
        }
      },
      shutdown: async () => {},
    };
    const tracer = tracerWith(flaky, registry);
    for (let i = 0; i < 5; i++) tracer.start(spec(i)).end();
    await tracer.forceFlush();
    expect(got).toHaveLength(5);
    expect(await value(registry, 'tracer_export_batches_total', { result: 'retry' })).toBe(2);
    expect(await value(registry, 'tracer_spans_dropped_total')).toBe(0);

    const registry2 = new Registry();
    const dead: SpanExporter = { export: (_s, cb) => cb({ code: ExportResultCode.FAILED, error: new Error('down') }), shutdown: async () => {} };
    const tracer2 = tracerWith(dead, registry2);
    for (let i = 0; i < 5; i++) tracer2.start(spec(i)).end();
    await tracer2.forceFlush();
    expect(await value(registry2, 'tracer_spans_dropped_total', { reason: 'export_failed' })).toBe(5);
    await tracer.shutdown();
    await tracer2.shutdown();
  });

  it('uses one service name per span type and exports nothing that was never ended', async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = tracerWith(exporter, new Registry());
    tracer.start(spec(0)).end();
    tracer.start(spec(1)).end();
    tracer.start(spec(2)); // never ended: discarded
    await tracer.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.resource.attributes['service.name']).sort()).toEqual(['audit', 'object']);
    expect(exporter.getFinishedSpans().map((s) => s.instrumentationScope.name).sort()).toEqual(['audit', 'object']);
    await tracer.shutdown();
  });
});

describe('export timing', () => {
  const waitFor = async (done: () => boolean) => {
    for (const deadline = Date.now() + 5_000; !done(); await new Promise((r) => setTimeout(r, 2))) if (Date.now() > deadline) throw new Error('timed out');
  };

  it('exports a burst once spans stop ending for exportIdle, long before scheduledDelay', async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = tracerWith(exporter, new Registry(), { scheduledDelay: 60_000, exportIdle: 5 });
    const started = Date.now();
    for (let i = 0; i < 5; i++) tracer.start(spec(i)).end();
    await waitFor(() => exporter.getFinishedSpans().length === 5);
    expect(Date.now() - started).toBeLessThan(5_000);
    await tracer.shutdown();
  });

  it('exports a long burst in pieces of exportChunk as its writer yields, before it ends', async () => {
    const batches: number[] = [];
    const exporter = new InMemorySpanExporter();
    const counting: SpanExporter = { export: (spans, cb) => (batches.push(spans.length), exporter.export(spans, cb)), shutdown: () => exporter.shutdown() };
    // exportIdle is long against a loop turn: what leaves during the burst leaves in chunks. The rest of the
    // last chunk (fewer than 20 when a turn's end came after the next 10 spans) leaves once the burst is idle.
    const tracer = tracerWith(counting, new Registry(), { maxExportBatchSize: 1_000, scheduledDelay: 60_000, exportIdle: 300, exportChunk: 20 });
    // 100 spans, 10 per turn of the event loop: a piece goes out once 20 or more wait at the end of a turn.
    for (let i = 0; i < 100; i++) {
      tracer.start(spec(i)).end();
      if (i % 10 === 9) await new Promise((r) => setImmediate(r));
    }
    expect(batches.length).toBeGreaterThanOrEqual(3);
    await waitFor(() => exporter.getFinishedSpans().length === 100);
    expect(Math.max(...batches)).toBeLessThan(100);
    await tracer.shutdown();
  });

  it('a steady trickle without pauses of exportIdle still goes out after scheduledDelay', async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = tracerWith(exporter, new Registry(), { maxExportBatchSize: 10_000, scheduledDelay: 40, exportIdle: 60_000 });
    let i = 0;
    const trickle = setInterval(() => tracer.start(spec(i++)).end(), 2);
    await waitFor(() => exporter.getFinishedSpans().length > 0);
    clearInterval(trickle);
    // One batch of the spans ended in the first scheduledDelay, exported while the trickle went on.
    expect(exporter.getFinishedSpans().length).toBeGreaterThan(1);
    await tracer.shutdown();
  });
});

describe('export barrier (settled, preset span IDs)', () => {
  it('settled() resolves once the spans ended before it are exported, though more keep coming', async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = tracerWith(exporter, new Registry(), { scheduledDelay: 10_000 });
    for (let i = 0; i < 5; i++) tracer.start(spec(i)).end();
    const settled = tracer.processor.settled();
    for (let i = 5; i < 8; i++) tracer.start(spec(i)).end();
    await settled;
    expect(exporter.getFinishedSpans().length).toBeGreaterThanOrEqual(5);
    expect(tracer.processor.dropped).toBe(0);
    await tracer.shutdown();
  });

  it('settled() resolves after a failed export too, and dropped counts the loss', async () => {
    const failing: SpanExporter = { export: (_s, cb) => cb({ code: ExportResultCode.FAILED, error: new Error('down') }), shutdown: () => Promise.resolve() };
    const tracer = tracerWith(failing, new Registry(), { exportAttempts: 1 });
    tracer.start(spec(1)).end();
    await tracer.processor.settled();
    expect(tracer.processor.dropped).toBe(1);
    await tracer.shutdown();
  });

  it('a preset span ID is used for that span only', async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = tracerWith(exporter, new Registry());
    const a = tracer.start({ ...spec(1), spanId: '00000000000000ab' });
    const b = tracer.start(spec(2));
    expect(a.ref.spanId).toBe('00000000000000ab');
    expect(b.ref.spanId).not.toBe('00000000000000ab');
    await tracer.shutdown();
  });
});
