/**
 * The runtime config rendered per role: the kelemetrix section of the spec reaches the consumer's config
 * unchanged and valid, and each component's config carries its own version.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInstance, parseSpec } from '../api/types.ts';
import { parseConfig } from '../runtime/config/load.ts';
import { renderInstance, type RenderedInstance } from './instance.ts';
import { CONFIG_HASH_ANNOTATION, objectName } from './naming.ts';
import { renderRuntimeConfig } from './runtimeConfig.ts';

const doc = (audit: Record<string, unknown>) => ({
  apiVersion: 'kelemetry.io/v1alpha1',
  kind: 'KelemetryInstance',
  metadata: { name: 'k', namespace: 'ns' },
  spec: { version: '0.1.0', clusters: [{ name: 'east' }, { name: 'west' }], audit },
});

const kelemetrix = {
  requestTimeouts: { west: '30s' },
  metrics: [
    {
      name: 'writes',
      help: 'Write requests by verb and resource',
      quantifier: 'request_count',
      tags: ['cluster', 'verb', 'resource'],
      tagFilters: [
        { tag: 'verb', oneOf: ['create', 'update', 'patch', 'delete'] },
        { tag: 'username', oneOf: ['^system:node:'], isRegex: true, negate: true },
      ],
    },
    { name: 'slow', quantifier: 'request_latency', tags: ['resource'], quantityFilters: [{ quantity: 'request_latency', operator: '>=', threshold: 1 }] },
  ],
};

describe('kelemetrix in the rendered runtime config', () => {
  it('a rendered instance with kelemetrix passes parseConfig and the consumer config carries the metrics', () => {
    const r = renderInstance(parseInstance(doc({ kelemetrix })));
    const consumer = parseConfig(parse(r.configs.consumer), 'consumer.yaml');
    expect(consumer.kelemetrix).toEqual({
      enabled: true,
      defaultRequestTimeout: 60_000,
      requestTimeouts: { west: 30_000 },
      metrics: [
        {
          name: 'writes',
          help: 'Write requests by verb and resource',
          quantifier: 'request_count',
          tags: ['cluster', 'verb', 'resource'],
          tagFilters: [
            { tag: 'verb', oneOf: ['create', 'update', 'patch', 'delete'], isRegex: false, negate: false },
            { tag: 'username', oneOf: ['^system:node:'], isRegex: true, negate: true },
          ],
          quantityFilters: [],
        },
        { name: 'slow', quantifier: 'request_latency', tags: ['resource'], tagFilters: [], quantityFilters: [{ quantity: 'request_latency', operator: '>=', threshold: 1 }] },
      ],
    });
    // Only the consumer sees audit events.
    for (const role of ['informers', 'frontend'] as const) expect(parseConfig(parse(r.configs[role]), role).kelemetrix, role).toBeUndefined();
  });

  it('renders no kelemetrix section when the spec has none', () => {
    expect(renderRuntimeConfig(parseInstance(doc({})), 'consumer').kelemetrix).toBeUndefined();
  });

  it('carries enabled: false through', () => {
    const cfg = parseConfig(renderRuntimeConfig(parseInstance(doc({ kelemetrix: { enabled: false } })), 'consumer'), 'consumer');
    expect(cfg.kelemetrix).toMatchObject({ enabled: false, metrics: [] });
  });
});

describe('kelemetrix in the spec: invalid definitions are refused naming the field', () => {
  const spec = (metric: Record<string, unknown>, extra: Record<string, unknown> = {}) => doc({ kelemetrix: { metrics: [{ name: 'm', quantifier: 'request_count', ...metric }], ...extra } }).spec;
  it.each([
    [{ quantifier: 'request_size' }, /spec\.audit\.kelemetrix\.metrics\.0\.quantifier: quantifier "request_size" does not exist; known quantifiers: request_count,/],
    [{ tags: ['verb', 'namespce'] }, /spec\.audit\.kelemetrix\.metrics\.0\.tags\.1: tag "namespce" does not exist; known tags: .*\bnamespace\b/],
    [{ tags: ['verb', 'verb'] }, /spec\.audit\.kelemetrix\.metrics\.0\.tags\.1: tag "verb" is listed twice/],
    [{ tagFilters: [{ tag: 'user', oneOf: ['x'] }] }, /spec\.audit\.kelemetrix\.metrics\.0\.tagFilters\.0\.tag: /],
    [{ tagFilters: [{ tag: 'username', oneOf: ['(unclosed'], isRegex: true }] }, /spec\.audit\.kelemetrix\.metrics\.0\.tagFilters\.0\.oneOf\.0: invalid regular expression/],
    [{ quantityFilters: [{ quantity: 'latency', operator: '>', threshold: 1 }] }, /spec\.audit\.kelemetrix\.metrics\.0\.quantityFilters\.0\.quantity: /],
    [{ name: 'bad-name' }, /spec\.audit\.kelemetrix\.metrics\.0\.name: /],
  ])('refuses %j', (metric, message) => {
    expect(() => parseSpec(spec(metric))).toThrow(message);
  });

  it('refuses duplicate metric names and request timeouts for unknown clusters', () => {
    expect(() => parseSpec(doc({ kelemetrix: { metrics: [{ name: 'm', quantifier: 'request_count' }, { name: 'm', quantifier: 'mq_latency' }] } }).spec)).toThrow(
      /spec\.audit\.kelemetrix\.metrics\.1\.name: duplicate metric name "m"/,
    );
    expect(() => parseSpec(spec({}, { requestTimeouts: { north: '10s' } }))).toThrow('spec.audit.kelemetrix.requestTimeouts.north: every key must name one of spec.clusters');
  });
});

describe('service.version per component (ordered upgrades)', () => {
  const at = (version: string) => parseInstance({ ...doc({}), spec: { ...doc({}).spec, version } });
  const configHash = (r: RenderedInstance, component: string) => {
    const name = objectName({ name: 'k', namespace: 'ns' }, component);
    const workload = r.objects.find((o) => o.kind === 'Deployment' && (o.metadata as { name: string }).name === name) as
      | { spec: { template: { metadata: { annotations: Record<string, string> } } } }
      | undefined;
    return workload?.spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
  };
  const serviceVersion = (r: RenderedInstance, role: 'consumer' | 'informers' | 'frontend') =>
    parseConfig(parse(r.configs[role]), role).tracer?.resourceAttributes['service.version'];

  it('renders each role at its own version', () => {
    const r = renderInstance(at('0.2.0'), { versions: { frontend: '0.1.0' } });
    expect([serviceVersion(r, 'consumer'), serviceVersion(r, 'informers'), serviceVersion(r, 'frontend')]).toEqual(['0.2.0', '0.2.0', '0.1.0']);
    expect(renderRuntimeConfig(at('0.2.0'), 'frontend').tracer?.resourceAttributes).toMatchObject({ 'service.version': '0.2.0' });
  });

  it('a held-back component keeps its config and config hash while another one moves to the new version', () => {
    const before = renderInstance(at('0.1.0'));
    // Workers phase: informers and consumer roll to 0.2.0, the frontend waits at 0.1.0.
    const during = renderInstance(at('0.2.0'), { versions: { frontend: '0.1.0' } });
    expect(during.configs.frontend).toBe(before.configs.frontend);
    expect(configHash(during, 'frontend')).toBeDefined();
    expect(configHash(during, 'frontend')).toBe(configHash(before, 'frontend'));
    for (const moved of ['consumer', 'informers'] as const) {
      expect(during.configs[moved], moved).not.toBe(before.configs[moved]);
      expect(configHash(during, moved), moved).not.toBe(configHash(before, moved));
    }
  });

  it('while the stores roll, no Kelemetry component config changes', () => {
    const before = renderInstance(at('0.1.0'));
    const during = renderInstance(at('0.2.0'), { versions: { informers: '0.1.0', consumer: '0.1.0', frontend: '0.1.0' } });
    expect(during.configs).toEqual(before.configs);
    for (const held of ['consumer', 'informers', 'frontend']) expect(configHash(during, held), held).toBe(configHash(before, held));
  });
});
