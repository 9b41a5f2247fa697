/** The aggregator's settings, which live in three config sections. */
import type { Config } from '../config/schema.ts';

/** What the aggregator reads from the config (see `aggregatorConfigOf`); durations in ms. */
export interface AggregatorConfig {
  /** Window of one object trace (`spanTtl`). */
  spanTtl: number;
  /** Lifetime of a reservation (`stores.spanCache.reserveTtl`); a crashed creator's key is reclaimed after it. */
  reserveTtl: number;
  /** Cache retention past a span's window (`stores.spanCache.extraTtl`). */
  extraTtl?: number;
  /** Tags on every object and link span (`tracer.pseudoSpanTags`). */
  pseudoSpanTags?: Record<string, string>;
  /** Tags on every audit and event span (`tracer.eventSpanTags`). */
  eventSpanTags?: Record<string, string>;
  /** How long to keep retrying while another writer holds the reservation; default reserve TTL + 1 s. */
  maxReserveWait?: number;
  /** Bound of the in-process memo of known pseudo spans; default 100,000. */
  memoSize?: number;
}

export function aggregatorConfigOf(config: Pick<Config, 'spanTtl' | 'stores' | 'tracer'>): AggregatorConfig {
  const { reserveTtl, extraTtl } = config.stores.spanCache;
  return { spanTtl: config.spanTtl, reserveTtl, extraTtl, pseudoSpanTags: config.tracer?.pseudoSpanTags, eventSpanTags: config.tracer?.eventSpanTags };
}
