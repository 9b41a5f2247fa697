/**
 * Queries over the scraped metrics of several processes (targets), optionally as the increase since
 * an earlier scrape of the same targets (a window). Counters that went down (a restarted process)
 * count from zero, as Prometheus' increase() does.
 */
import type { Family, Sample } from './promText.ts';

export interface Scrape {
  /** Where the metrics came from (a URL or `namespace/pod`). */
  target: string;
  families: Map<string, Family>;
}

/** A label must equal a value, be one of several, or pass a test; a missing label reads as ''. */
export type LabelMatch = Record<string, string | readonly string[] | ((value: string) => boolean)>;

function matches(sample: Sample, match: LabelMatch | undefined): boolean {
  if (!match) return true;
  return Object.entries(match).every(([k, want]) => {
    const v = sample.labels[k] ?? '';
    if (typeof want === 'string') return v === want;
    if (typeof want === 'function') return want(v);
    return want.includes(v);
  });
}

function seriesKey(target: string, s: Sample): string {
  const labels = Object.keys(s.labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(s.labels[k])}`)
    .join(',');
  return `${target}\u0000${s.name}{${labels}}`;
}

function familyOf(series: string): string[] {
  // A series lives in the family of its own name or of its name without a histogram/summary/counter suffix.
  const m = /^(.*)_(count|sum|bucket|total)$/.exec(series);
  return m ? [series, m[1]!] : [series];
}

export class MetricSet {
  private readonly previous = new Map<string, number>();
  /** True when a window baseline was given: figures are increases since it. */
  readonly windowed: boolean;

  constructor(
    readonly scrapes: Scrape[],
    previous?: Scrape[],
  ) {
    this.windowed = previous !== undefined;
    for (const p of previous ?? []) {
      for (const f of p.families.values()) for (const s of f.samples) this.previous.set(seriesKey(p.target, s), s.value);
    }
  }

  /** Whether any target registered the family (even without samples yet). */
  has(family: string): boolean {
    return this.scrapes.some((s) => s.families.has(family));
  }

  private *samples(series: string, match?: LabelMatch): Generator<{ target: string; sample: Sample }> {
    for (const scrape of this.scrapes) {
      const seen = new Set<Family>();
      for (const name of familyOf(series)) {
        const f = scrape.families.get(name);
        if (!f || seen.has(f)) continue;
        seen.add(f);
        for (const sample of f.samples) if (sample.name === series && matches(sample, match)) yield { target: scrape.target, sample };
      }
    }
  }

  /** Counter increase of one series name over the window (or its total without a baseline), summed. */
  increase(series: string, match?: LabelMatch): number {
    let total = 0;
    for (const { target, sample } of this.samples(series, match)) total += this.delta(target, sample);
    return total;
  }

  /** Like increase(), grouped by the value of one label. */
  increaseBy(series: string, label: string, match?: LabelMatch): Map<string, number> {
    const out = new Map<string, number>();
    for (const { target, sample } of this.samples(series, match)) {
      const key = sample.labels[label] ?? '';
      out.set(key, (out.get(key) ?? 0) + this.delta(target, sample));
    }
    return out;
  }

  /** Current values (gauges), with the target each came from. */
  current(series: string, match?: LabelMatch): { target: string; labels: Record<string, string>; value: number }[] {
    return [...this.samples(series, match)].map(({ target, sample }) => ({ target, labels: sample.labels, value: sample.value }));
  }

  private delta(target: string, sample: Sample): number {
    const before = this.previous.get(seriesKey(target, sample));
    if (before === undefined || sample.value < before) return sample.value;
    return sample.value - before;
  }
}
