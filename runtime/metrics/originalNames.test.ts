import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { counter, gauge, histogram, summary } from './define.ts';
import { originalSeries } from './originalNames.ts';

describe("the original's metric names", () => {
  it('adds <name>_histogram in nanoseconds, <name>_summary and <name>_gauge for the metrics the original has', async () => {
    const r = new Registry();
    histogram(r, 'audit_consumer_event', 'events', ['cluster']).observe({ cluster: 'c' }, 0.002);
    summary(r, 'aggregator_lazy_span_retry_count', 'attempts', []).observe(3);
    gauge(r, 'object_cache_size', 'bytes', []).set(42);
    counter(r, 'redirect_request_count', 'redirects', ['result']).inc({ result: 'Found' });
    histogram(r, 'not_in_the_original', 'x', []).observe(1);
    const text = await originalSeries(r);
    expect(text).toContain('# TYPE audit_consumer_event_histogram histogram');
    expect(text).toMatch(/^audit_consumer_event_histogram_bucket\{le="?5000000"?,cluster="c"\} 1$/m);
    expect(text).toMatch(/^audit_consumer_event_histogram_sum\{cluster="c"\} 2000000$/m);
    expect(text).toMatch(/^audit_consumer_event_histogram_count\{cluster="c"\} 1$/m);
    expect(text).toMatch(/^aggregator_lazy_span_retry_count_summary_sum 3$/m);
    expect(text).toMatch(/^object_cache_size_gauge 42$/m);
    expect(text).not.toContain('not_in_the_original');
    expect(text).not.toContain('redirect_request_count_');
  });
});
