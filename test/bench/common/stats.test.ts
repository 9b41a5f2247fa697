import { describe, expect, it } from 'vitest';
import { ascending, nearestRankPercentile, percentile } from './stats.ts';

describe('bench percentiles', () => {
  const samples = ascending([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
  it('index ⌊p·n⌋ (audit, diff) and nearest rank (query) differ as documented', () => {
    expect(samples).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(percentile(samples, 50)).toBe(6);
    expect(nearestRankPercentile(samples, 50)).toBe(5);
    expect(percentile(samples, 99)).toBe(10);
    expect(nearestRankPercentile(samples, 99)).toBe(10);
  });
  it('an empty run has no percentile', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});
