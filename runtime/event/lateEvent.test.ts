import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { aggregatorConfigOf } from '../aggregator/config.ts';
import { SpanAggregator } from '../aggregator/aggregator.ts';
import type { RichObject } from '../aggregator/types.ts';
import { parseConfig } from '../config/load.ts';
import { windowStartMs } from '../model/window.ts';
import { MemorySpanCache } from '../spancache/memory.ts';
import type { SpanSpec, Tracer } from '../tracer/types.ts';
import { nullLogger } from '../util/log.ts';
import { eventSpan } from './handle.ts';

const pod: RichObject = { cluster: 'c1', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'demo' };

/** Records the object spans started; never exports. */
function recordingTracer(started: SpanSpec[]): Tracer {
  return {
    start: (spec) => {
      started.push(spec);
      return { ref: { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') }, end: () => {} };
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

describe('late Events and the span cache (default config)', () => {
  it('an Event as late as maxEventAge, near its window\'s end, joins the window\'s object span instead of starting a second one', async () => {
    const config = parseConfig({ clusters: [{ name: 'c1' }], informers: { eventController: { enabled: true } } });
    let now = windowStartMs(Date.parse('2025-01-02T10:00:00Z'), config.spanTtl) + 1_000;
    const started: SpanSpec[] = [];
    const aggregator = new SpanAggregator(aggregatorConfigOf(config), {
      spanCache: new MemorySpanCache({}, { now: () => now }),
      tracer: recordingTracer(started),
      registry: new Registry(),
      logger: nullLogger,
      now: () => now,
    });
    // The object's first event of the window: its object span is created and cached.
    await aggregator.send(pod, eventSpan({ reason: 'Scheduled' }, now));
    // An Event from the last second of the window, handled as late as the event controller still accepts.
    const lastSecond = windowStartMs(now, config.spanTtl) + config.spanTtl - 1_000;
    now = lastSecond + config.informers!.eventController.maxEventAge;
    await aggregator.send(pod, eventSpan({ reason: 'Killing' }, lastSecond));
    expect(started.filter((s) => s.service === 'object')).toHaveLength(1);
  });

  it('refuses a span cache retention shorter than the age of Events the controller still handles', () => {
    const informers = { eventController: { enabled: true, maxEventAge: '20m' } };
    expect(() => parseConfig({ clusters: [{ name: 'c1' }], informers })).toThrow(/stores\.spanCache\.extraTtl is shorter than informers\.eventController\.maxEventAge/);
    expect(parseConfig({ clusters: [{ name: 'c1' }], informers, stores: { spanCache: { extraTtl: '20m' } } }).stores.spanCache.extraTtl).toBe(20 * 60_000);
  });
});
