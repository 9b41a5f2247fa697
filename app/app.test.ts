import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { auditEvent, eventList } from '../runtime/audit/testdata.ts';
import { parseConfig } from '../runtime/config/load.ts';
import { createRegistry } from '../runtime/metrics/registry.ts';
import { nullLogger, type Logger } from '../runtime/util/log.ts';
import { sleep } from '../runtime/util/sleep.ts';
import { startApp } from './app.ts';

const port0 = { host: '127.0.0.1', port: 0 };

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = { ...nullLogger, info: (msg, fields) => lines.push(`${msg} ${JSON.stringify(fields)}`), child: () => logger };
  return logger;
}

describe('startApp (composition root)', () => {
  it('wires tracer, span cache and aggregator into the audit pipeline, and stops in reverse order', async () => {
    const config = parseConfig({ clusters: [{ name: 'c1' }], tracer: { otlpEndpoint: '127.0.0.1:1' }, audit: {} });
    const exporter = new InMemorySpanExporter();
    const lines: string[] = [];
    const app = await startApp({ config, exporter, logger: recordingLogger(lines), registry: createRegistry({ processMetrics: false }), auditListen: port0, metricsListen: port0 });
    try {
      expect(app.components.map((c) => c.name)).toEqual(['metrics', 'stores', 'tracer', 'spancache/memory', 'audit']);
      expect((await fetch(`${app.metricsUrl}/readyz`)).status).toBe(200);
      const ref = await app.aggregator!.ensureObjectSpan({ cluster: 'c1', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name: 'demo' }, Date.now());
      await app.tracer!.forceFlush();
      expect(exporter.getFinishedSpans().map((s) => s.spanContext().spanId)).toEqual([ref.spanId]);
      expect(await app.spanCache!.fetch(`c1/apps/deployments/default/demo/field=object,window=${Math.floor(Date.now() / config.spanTtl)}`)).toBeDefined();
    } finally {
      await app.stop();
    }
    const stopped = lines.filter((l) => l.startsWith('stopped ')).map((l) => (JSON.parse(l.slice('stopped '.length)) as { component: string }).component);
    expect(stopped).toEqual(['audit', 'spancache/memory', 'tracer', 'stores', 'metrics']);
  });

  it('stops without waiting for pending diff waits: the decorator gives up before the audit queue drains', async () => {
    const config = parseConfig({
      clusters: [{ name: 'c1' }],
      tracer: { otlpEndpoint: '127.0.0.1:1' },
      audit: {},
      // A diff that never comes would be waited for a minute.
      informers: { diffDecorator: { enabled: true, fetchTotalTimeout: '60s', fetchEventTimeout: '60s' }, linkers: { workerCount: 0 } },
    });
    const registry = createRegistry({ processMetrics: false });
    const app = await startApp({ config, exporter: new InMemorySpanExporter(), logger: nullLogger, registry, auditListen: port0, metricsListen: port0 });
    let stopMs = Infinity;
    try {
      const body = JSON.stringify(eventList([auditEvent({ responseObject: { kind: 'Deployment', metadata: { resourceVersion: '101' } } })]));
      expect((await fetch(`${app.audit!.url}/audit/c1`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status).toBe(200);
      await sleep(300); // the consumer is now waiting for the diff
    } finally {
      const t0 = Date.now();
      await app.stop();
      stopMs = Date.now() - t0;
    }
    expect(stopMs).toBeLessThan(2_000);
    const abandoned = (await registry.getSingleMetric('audit_queue_abandoned_total')?.get())?.values[0]?.value ?? 0;
    expect(abandoned).toBe(0);
  }, 20_000);

  it('fails naming the setting when a cache needs a store that is not configured, and stops what it started', async () => {
    const config = parseConfig({
      clusters: [{ name: 'c1' }],
      tracer: { otlpEndpoint: '127.0.0.1:1' },
      informers: { diffController: { enabled: false }, diffDecorator: { enabled: true }, diffCache: { backend: 'redis' } },
    });
    const lines: string[] = [];
    const start = startApp({ config, exporter: new InMemorySpanExporter(), logger: recordingLogger(lines), registry: createRegistry({ processMetrics: false }), metricsListen: port0 });
    await expect(start).rejects.toThrow('informers.diffCache.backend is "redis" but stores.redis is not configured');
    expect(lines.filter((l) => l.startsWith('stopped ')).length).toBe(4);
  });
});
