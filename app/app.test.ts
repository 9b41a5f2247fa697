import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../runtime/config/load.ts';
import { createRegistry } from '../runtime/metrics/registry.ts';
import { nullLogger, type Logger } from '../runtime/util/log.ts';
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
