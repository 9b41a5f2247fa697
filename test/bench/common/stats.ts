/**
 * Percentiles of ascending samples. The benches have always used two definitions and keep them, so their
 * figures stay comparable with earlier runs: audit and diff take the sample at index ⌊p·n⌋ (NaN when
 * empty), query the nearest rank, index ⌈p·n⌉-1.
 */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function nearestRankPercentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function ascending(samples: number[]): number[] {
  return [...samples].sort((a, b) => a - b);
}
