import { describe, expect, it } from 'vitest';
import { compileQuantityFilter, compileTagFilter } from './filters.ts';

describe('kelemetrix tag filters', () => {
  it('passes when the value equals any choice', () => {
    const f = compileTagFilter({ tag: 'verb', oneOf: ['get', 'list'], isRegex: false, negate: false });
    expect(f.tag).toBe('verb');
    expect([f.test('get'), f.test('list'), f.test('watch'), f.test('ge')]).toEqual([true, true, false, false]);
  });

  it('regex choices are unanchored', () => {
    const f = compileTagFilter({ tag: 'code', oneOf: ['[45]..'], isRegex: true, negate: false });
    expect([f.test('404'), f.test('503'), f.test('200'), f.test('1404')]).toEqual([true, true, false, true]);
    const anchored = compileTagFilter({ tag: 'code', oneOf: ['^[45]..$'], isRegex: true, negate: false });
    expect(anchored.test('1404')).toBe(false);
  });

  it('negate with several choices excludes all of them (fixes spec Appendix A.16: the original always passed)', () => {
    const f = compileTagFilter({ tag: 'verb', oneOf: ['get', 'list', 'watch'], isRegex: false, negate: true });
    expect([f.test('get'), f.test('list'), f.test('watch')]).toEqual([false, false, false]);
    expect([f.test('create'), f.test('')]).toEqual([true, true]);
  });

  it('negate with a single choice and with regexes', () => {
    expect(compileTagFilter({ tag: 'code', oneOf: ['200'], isRegex: false, negate: true }).test('200')).toBe(false);
    const f = compileTagFilter({ tag: 'username', oneOf: ['^system:', 'admin$'], isRegex: true, negate: true });
    expect([f.test('system:node'), f.test('kube-admin'), f.test('alice')]).toEqual([false, false, true]);
  });
});

describe('kelemetrix quantity filters', () => {
  it('compares with each operator', () => {
    const t = (operator: '<' | '>' | '<=' | '>=', v: number) => compileQuantityFilter({ quantity: 'request_latency_ratio', operator, threshold: 1 }).test(v);
    expect([t('<', 0.5), t('<', 1), t('<=', 1), t('>', 1), t('>', 1.5), t('>=', 1)]).toEqual([true, false, true, false, true, true]);
  });

  it('fails on a quantity without value (fixes spec Appendix A.16: the original compared 0)', () => {
    const f = compileQuantityFilter({ quantity: 'request_latency', operator: '<', threshold: 1 });
    expect(f.quantity).toBe('request_latency');
    expect(f.test(undefined)).toBe(false);
    expect(f.test(0)).toBe(true);
  });
});
