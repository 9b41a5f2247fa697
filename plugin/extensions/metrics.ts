/** Per-provider metrics of extension fetches: count and duration by result, and fetches the timeout cut. */
import { Registry } from 'prom-client';
import { counter, histogram } from '../../runtime/metrics/define.ts';

/** `none`: the provider had nothing to fetch for that span (e.g. an audit span and `forAuditEvent: false`). */
export type FetchOutcome = 'ok' | 'none' | 'error' | 'timeout';

export class ExtensionMetrics {
  private readonly labels: { extension: string; kind: string };
  private readonly seconds;
  private readonly skipped;

  /** Without a registry (tests, tools) the metrics go to a private one. */
  constructor(extension: string, kind: string, registry: Registry = new Registry()) {
    this.labels = { extension, kind };
    this.seconds = histogram(registry, 'frontend_extension_fetch_seconds', 'Extension provider fetches and cache loads, by extension (modifier display name), op (fetch, load) and result (ok, none, error, timeout).', ['extension', 'kind', 'op', 'result']);
    this.skipped = counter(registry, 'frontend_extension_fetch_skipped_count', 'Extension fetches not started because the provider\'s totalTimeout had passed.', ['extension', 'kind']);
  }

  /** `op`: fetch (FetchForObject/FetchForVersion) or load (LoadCache). */
  observe(op: 'fetch' | 'load', result: FetchOutcome, seconds: number): void {
    this.seconds.observe({ ...this.labels, op, result }, seconds);
  }

  skippedFetches(n: number): void {
    if (n > 0) this.skipped.inc(this.labels, n);
  }
}
