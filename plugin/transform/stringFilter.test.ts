import { describe, expect, it } from 'vitest';
import { compileStringFilter } from './stringFilter.ts';

describe('string filter', () => {
  it('matches exactly with a bare string and everything when unset', () => {
    expect(compileStringFilter('object')('object')).toBe(true);
    expect(compileStringFilter('object')('link')).toBe(false);
    expect(compileStringFilter(undefined)('x')).toBe(true);
  });
  it('supports oneOf with then:false (negation)', () => {
    const f = compileStringFilter({ oneOf: ['event'], then: false });
    expect(f('event')).toBe(false);
    expect(f('audit')).toBe(true);
  });
  it('compares caseInsensitive against the input, and regex unanchored', () => {
    expect(compileStringFilter({ caseInsensitive: 'Pods' })('pods')).toBe(true);
    expect(compileStringFilter({ caseInsensitive: 'Pods' })('nodes')).toBe(false);
    expect(compileStringFilter({ regex: 'set' })('replicasets')).toBe(true);
    expect(() => compileStringFilter({ regex: '(' })).toThrow(/invalid regex/);
  });
});
