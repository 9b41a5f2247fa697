import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config/load.ts';
import type { ConfigInput } from '../config/schema.ts';
import { createRegistry } from '../metrics/registry.ts';
import { nullLogger } from '../util/log.ts';
import { message } from './fixtures.test-util.ts';
import { Kelemetrix } from './kelemetrix.ts';

function build(kelemetrix: ConfigInput['kelemetrix'], nowMs?: () => number) {
  const config = parseConfig({ clusters: [{ name: 'tracetest' }], kelemetrix });
  const registry = createRegistry({ processMetrics: false });
  const k = new Kelemetrix(config.kelemetrix, { logger: nullLogger, registry, nowMs });
  const values = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return { k, registry, values };
}

function configIssues(kelemetrix: unknown): string[] {
  try {
    parseConfig({ clusters: [{ name: 'c' }], kelemetrix });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('kelemetrix config', () => {
  it('rejects unknown tags and quantifiers, naming the field', () => {
    const issues = configIssues({
      metrics: [
        { name: 'a', quantifier: 'request_size', tags: ['verb', 'colour'] },
        { name: 'b', quantifier: 'request_count', tagFilters: [{ tag: 'shape', oneOf: ['x'] }], quantityFilters: [{ quantity: 'bytes', operator: '<', threshold: 1 }] },
      ],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^kelemetrix\.metrics\.0\.quantifier: quantifier "request_size" does not exist; known quantifiers: request_count/),
        expect.stringMatching(/^kelemetrix\.metrics\.0\.tags\.1: tag "colour" does not exist; known tags: cluster, apiserverAddr/),
        expect.stringMatching(/^kelemetrix\.metrics\.1\.tagFilters\.0\.tag: tag "shape" does not exist/),
        expect.stringMatching(/^kelemetrix\.metrics\.1\.quantityFilters\.0\.quantity: quantifier "bytes" does not exist/),
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('rejects unknown fields, bad regexes, bad operators, duplicate names and tags', () => {
    const issues = configIssues({
      metrics: [
        { name: 'a', quantifier: 'request_count', tagfilters: [] },
        { name: 'a', quantifier: 'request_count', tags: ['verb', 'verb'], tagFilters: [{ tag: 'code', oneOf: ['[45'], isRegex: true }] },
        { name: 'bad-name', quantifier: 'request_count', quantityFilters: [{ quantity: 'request_latency', operator: '==', threshold: 1 }] },
        { name: 'c', quantifier: 'request_count', tagFilters: [{ tag: 'code', oneOf: [] }] },
      ],
    }).join('\n');
    expect(issues).toContain('kelemetrix.metrics.0: Unrecognized key: "tagfilters"');
    expect(issues).toContain('kelemetrix.metrics.1.tagFilters.0.oneOf.0: invalid regular expression');
    expect(issues).toContain('kelemetrix.metrics.1.tags.1: tag "verb" is listed twice');
    expect(issues).toContain('kelemetrix.metrics.2.name: want a Prometheus metric name');
    expect(issues).toContain('kelemetrix.metrics.2.quantityFilters.0.operator');
    expect(issues).toContain('kelemetrix.metrics.3.tagFilters.0.oneOf: name at least one value');
  });

  it('rejects duplicate metric names', () => {
    const issues = configIssues({ metrics: [{ name: 'a', quantifier: 'request_count' }, { name: 'a', quantifier: 'mq_latency' }] });
    expect(issues).toEqual(['kelemetrix.metrics.1.name: duplicate metric name "a"']);
  });

  it('applies defaults', () => {
    const config = parseConfig({ clusters: [{ name: 'c' }], kelemetrix: { metrics: [{ name: 'n', quantifier: 'request_count' }] } });
    expect(config.kelemetrix).toEqual({
      enabled: true,
      defaultRequestTimeout: 60_000,
      requestTimeouts: {},
      metrics: [{ name: 'n', quantifier: 'request_count', tags: [], tagFilters: [], quantityFilters: [] }],
    });
  });
});

describe('Kelemetrix', () => {
  it('is a no-op without a kelemetrix section or metrics', async () => {
    const config = parseConfig({ clusters: [{ name: 'c' }] });
    const registry = createRegistry({ processMetrics: false });
    const k = new Kelemetrix(config.kelemetrix, { logger: nullLogger, registry });
    k.observe(message());
    expect(k.metricNames).toEqual([]);
    expect(await registry.metrics()).toBe('\n');
  });

  it('counts requests by the configured tags, in order, ResponseComplete only', async () => {
    const { k, registry, values } = build({ metrics: [{ name: 'requests', quantifier: 'request_count', tags: ['verb', 'resource'] }] });
    k.observe(message({ verb: 'create' }));
    k.observe(message({ verb: 'create' }));
    k.observe(message({ verb: 'create', stage: 'ResponseStarted' }));
    k.observe(message({ verb: 'delete' }));
    expect(k.metricNames).toEqual(['requests_count']);
    expect(await values('requests_count')).toEqual([
      { labels: { verb: 'create', resource: 'deployments' }, value: 2 },
      { labels: { verb: 'delete', resource: 'deployments' }, value: 1 },
    ]);
    expect(await registry.metrics()).toContain('requests_count{verb="create",resource="deployments"} 2');
    expect(await values('kelemetrix_message_count')).toEqual([{ labels: {}, value: 4 }]);
  });

  it('records latency histograms in seconds and ratio summaries', async () => {
    const { k, registry } = build(
      {
        metrics: [
          { name: 'latency', quantifier: 'request_latency', tags: ['verb'] },
          { name: 'baseline', quantifier: 'mq_latency', tags: ['cluster'] },
          { name: 'list_timeout', quantifier: 'request_latency_ratio', tags: ['verb'], quantityFilters: [{ quantity: 'request_latency_ratio', operator: '<', threshold: 1 }] },
        ],
      },
      () => Date.parse('2024-05-01T10:01:33.000Z'),
    );
    k.observe(message({ verb: 'get' }));
    // Took 90 s against a 60 s default timeout: ratio 2/3 < 1.
    k.observe(message({ verb: 'list', stageTimestamp: '2024-05-01T10:01:30.000100Z' }));
    const text = await registry.metrics();
    expect(text).toContain('latency_histogram_bucket{le="0.25",verb="get"} 1');
    expect(text).toContain('latency_histogram_bucket{le="0.1",verb="get"} 0');
    expect(text).toContain('latency_histogram_sum{verb="list"} 90');
    expect(text).toMatch(/baseline_histogram_sum\{cluster="tracetest"\} 95\.7498\d*\n/);
    expect(text).toContain('baseline_histogram_count{cluster="tracetest"} 2');
    expect(text).toContain('list_timeout_summary_count{verb="list"} 1');
    expect(text).not.toContain('list_timeout_summary_count{verb="get"}');
  });

  it('applies tag filters, including negate with several choices (fixed defect)', async () => {
    const { k, values } = build({
      metrics: [
        { name: 'writes', quantifier: 'request_count', tags: ['verb'], tagFilters: [{ tag: 'verb', oneOf: ['get', 'list', 'watch'], negate: true }] },
        { name: 'errors_by_user', quantifier: 'request_count', tags: ['username', 'code'], tagFilters: [{ tag: 'code', oneOf: ['[45]..'], isRegex: true }] },
        {
          name: 'cache_penetrations',
          quantifier: 'request_count',
          tags: ['resource'],
          tagFilters: [
            { tag: 'code', oneOf: ['200'] },
            { tag: 'resourceVersion', oneOf: ['Empty'] },
            { tag: 'verb', oneOf: ['list', 'get'] },
          ],
        },
      ],
    });
    for (const verb of ['get', 'list', 'watch', 'create', 'patch']) k.observe(message({ verb }));
    k.observe(message({ verb: 'list', requestURI: '/apis/apps/v1/deployments?resourceVersion=0' }));
    k.observe(message({ verb: 'update', user: { username: 'system:node:n1' }, responseStatus: { code: 409, reason: 'Conflict' } }));
    expect(await values('writes_count')).toEqual([
      { labels: { verb: 'create' }, value: 1 },
      { labels: { verb: 'patch' }, value: 1 },
      { labels: { verb: 'update' }, value: 1 },
    ]);
    expect(await values('errors_by_user_count')).toEqual([{ labels: { username: 'system:node', code: '409' }, value: 1 }]);
    expect(await values('cache_penetrations_count')).toEqual([{ labels: { resource: 'deployments' }, value: 2 }]);
  });

  it('a quantity filter on a quantity without value drops the sample (fixed defect)', async () => {
    const { k, values } = build({
      metrics: [
        { name: 'fast', quantifier: 'request_count', tags: [], quantityFilters: [{ quantity: 'request_latency', operator: '<', threshold: 1 }] },
      ],
    });
    k.observe(message());
    k.observe(message({ requestReceivedTimestamp: undefined }));
    k.observe(message({ stageTimestamp: '2024-05-01T10:00:05.000100Z' }));
    expect(await values('fast_count')).toEqual([{ labels: {}, value: 1 }]);
  });

  it('counts tag and quantity errors and still records with the error marker', async () => {
    const { k, values } = build({
      metrics: [
        { name: 'by_rv', quantifier: 'request_count', tags: ['resourceVersion'] },
        { name: 'ratio', quantifier: 'request_latency_ratio', tags: [] },
      ],
    });
    k.observe(message({ requestURI: '//[broken' }));
    k.observe(message({ requestURI: '/api/v1/pods?timeoutSeconds=soon' }));
    expect(await values('by_rv_count')).toEqual([
      { labels: { resourceVersion: 'kelemetrix::ErrUriParse' }, value: 1 },
      { labels: { resourceVersion: 'Empty' }, value: 1 },
    ]);
    expect(await values('ratio_summary')).toEqual(expect.arrayContaining([expect.objectContaining({ metricName: 'ratio_summary_count', value: 0 })]));
    const errs = await values('kelemetrix_error_count');
    expect(errs).toEqual(
      expect.arrayContaining([
        { labels: { stage: 'tag', name: 'resourceVersion' }, value: 1 },
        { labels: { stage: 'quantity', name: 'request_latency_ratio' }, value: 2 },
      ]),
    );
  });
});
