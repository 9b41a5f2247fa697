/**
 * Keeps recent scrapes of one installation so figures can be judged over a window ("no audit requests
 * in the last 5 minutes") rather than since process start. Each record() returns the baseline to diff
 * against: the newest scrape at least `windowMs` old, or the oldest one while the window is still filling.
 */
import type { Scrape } from './metricSet.ts';

export interface WindowBaseline {
  previous?: Scrape[];
  /** Seconds between the baseline and now. */
  windowSeconds?: number;
  /** False until a scrape at least windowMs old exists: a quiet partial window proves nothing yet. */
  complete: boolean;
}

export class ScrapeWindow {
  private history: { atMs: number; scrapes: Scrape[] }[] = [];

  constructor(readonly windowMs: number) {}

  record(atMs: number, scrapes: Scrape[]): WindowBaseline {
    const cutoff = atMs - this.windowMs;
    let base = -1;
    for (let i = 0; i < this.history.length; i++) if (this.history[i]!.atMs <= cutoff) base = i;
    // Older entries than the baseline are never needed again.
    if (base > 0) this.history = this.history.slice(base);
    const baseline = this.history[0];
    this.history.push({ atMs, scrapes });
    if (!baseline) return { complete: false };
    return { previous: baseline.scrapes, windowSeconds: (atMs - baseline.atMs) / 1000, complete: base >= 0 };
  }
}
