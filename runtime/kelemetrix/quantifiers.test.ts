import { describe, expect, it } from 'vitest';
import { message } from './fixtures.test-util.ts';
import { QUANTIFIER_NAMES } from '../model/kelemetrixNames.ts';
import { quantifiers, type QuantifierEnv } from './quantifiers.ts';
import { parseTimestamp } from './timestamp.ts';

const env: QuantifierEnv = {
  nowMs: () => Date.parse('2024-05-01T10:00:02.250Z'),
  requestTimeoutMs: (cluster) => (cluster === 'slow' ? 120_000 : 60_000),
};

describe('kelemetrix quantifiers', () => {
  it('has one per quantifier name, with the original kinds', () => {
    expect(Object.keys(quantifiers).sort()).toEqual([...QUANTIFIER_NAMES].sort());
    expect(Object.fromEntries(Object.entries(quantifiers).map(([k, q]) => [k, q.kind]))).toEqual({
      request_count: 'counter',
      request_latency: 'histogram',
      request_latency_ratio: 'summary',
      mq_latency: 'histogram',
    });
  });

  it('parses microsecond timestamps without losing the fraction', () => {
    const base = Date.parse('2024-05-01T10:00:00Z');
    expect(parseTimestamp('2024-05-01T10:00:00.012345Z')).toEqual({ ms: base + 12, fractionMs: 0.345 });
    expect(parseTimestamp('2024-05-01T10:00:00.5Z')).toEqual({ ms: base + 500, fractionMs: 0 });
    expect(parseTimestamp('2024-05-01T12:00:00+02:00')).toEqual({ ms: base, fractionMs: 0 });
    expect(parseTimestamp('yesterday')).toBeUndefined();
    expect(parseTimestamp(undefined)).toBeUndefined();
  });

  it('request_count is 1 for ResponseComplete only', () => {
    expect(quantifiers.request_count.compute(message(), env)).toBe(1);
    expect(quantifiers.request_count.compute(message({ stage: 'ResponseStarted' }), env)).toBeUndefined();
    expect(quantifiers.request_count.compute(message({ stage: 'RequestReceived' }), env)).toBeUndefined();
  });

  it('request_latency is stage minus receipt, in seconds', () => {
    expect(quantifiers.request_latency.compute(message(), env)).toBeCloseTo(0.25, 9);
    expect(quantifiers.request_latency.compute(message({ stageTimestamp: '2024-05-01T10:00:00.000150Z' }), env)).toBeCloseTo(0.00005, 9);
    expect(quantifiers.request_latency.compute(message({ stage: 'Panic' }), env)).toBeUndefined();
    expect(quantifiers.request_latency.compute(message({ stageTimestamp: undefined }), env)).toBeUndefined();
  });

  it('request_latency_ratio divides timeoutSeconds (or the cluster default) by the latency', () => {
    const withTimeout = message({ requestURI: '/api/v1/pods?timeoutSeconds=5&watch=true' });
    expect(quantifiers.request_latency_ratio.compute(withTimeout, env)).toBeCloseTo(20, 9);
    expect(quantifiers.request_latency_ratio.compute(message(), env)).toBeCloseTo(240, 9);
    expect(quantifiers.request_latency_ratio.compute(message({}, 'slow'), env)).toBeCloseTo(480, 9);
    expect(quantifiers.request_latency_ratio.compute(message({ stageTimestamp: '2024-05-01T10:00:00.000100Z' }), env)).toBeUndefined();
    expect(quantifiers.request_latency_ratio.compute(message({ stage: 'ResponseStarted' }), env)).toBeUndefined();
    expect(() => quantifiers.request_latency_ratio.compute(message({ requestURI: '/api/v1/pods?timeoutSeconds=abc' }), env)).toThrow(/timeoutSeconds "abc"/);
  });

  it('mq_latency is now minus the stage timestamp, ResponseComplete only', () => {
    expect(quantifiers.mq_latency.compute(message(), env)).toBeCloseTo(1.9999, 6);
    expect(quantifiers.mq_latency.compute(message({ stage: 'ResponseStarted' }), env)).toBeUndefined();
  });
});
