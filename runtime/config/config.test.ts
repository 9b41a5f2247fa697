import { describe, expect, it } from 'vitest';
import { durationText, parseDuration } from './common.ts';
import { ConfigError, parseConfig } from './load.ts';

describe('runtime config', () => {
  it('applies defaults and parses durations', () => {
    const cfg = parseConfig({ clusters: [{ name: 'tracetest' }], tracer: { otlpEndpoint: '127.0.0.1:4317' } });
    expect(cfg.spanTtl).toBe(30 * 60_000);
    expect(cfg.tracer?.maxQueueSize).toBe(65_536);
    expect(cfg.metrics.listen).toBe('127.0.0.1:9090');
  });
  it('names the bad field', () => {
    expect(() => parseConfig({ clusters: [{ name: 'Bad_Name' }] })).toThrow(/clusters\.0\.name: cluster names are DNS labels/);
    expect(() => parseConfig({ clusters: [{ name: 'a' }, { name: 'a' }] })).toThrow(/clusters\.1\.name: duplicate cluster name "a"/);
    expect(() => parseConfig({ clusters: [{ name: 'a' }], spanTtl: '30 minutes' })).toThrow(ConfigError);
  });
  it('parses compound durations', () => {
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(() => parseDuration('10')).toThrow(/invalid duration/);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('1m500ms')).toBe(60_500);
  });
  it('has one duration grammar: the text form (the API) accepts exactly what parseDuration reads', () => {
    for (const text of ['500ms', '10s', '1h30m', '0.5h', '1m500ms']) expect(durationText.safeParse(text).success, text).toBe(true);
    for (const text of ['10', '1h 30m', 'ms', '', '1d', '-1s', '1.s']) {
      expect(durationText.safeParse(text).success, text).toBe(false);
      expect(() => parseDuration(text), text).toThrow(/invalid duration/);
    }
  });
});
