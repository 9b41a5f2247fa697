/**
 * The aggregator (spec 3.3, 4.3): one object pseudo span per object per window as the root of that
 * object's trace, audit/event spans as its children, link spans under it. Concurrent writers — in this
 * process or in others sharing the span cache — agree on one object span per (object, window) through
 * the span cache's reserve / set-reserved (compare-and-swap) protocol.
 *
 * Two fixes to the original (spec Appendix A): a pseudo span is exported only after its context has been
 * stored (no orphan traces when the cache write fails, A.4), and event spans get the configured event
 * tags rather than the pseudo span tags (A.1). Pseudo spans start exactly at the window start (A.21).
 */
import type { Registry } from 'prom-client';
import { PseudoType, Tag, TraceSource, dummyDurationMs, logTypeAttr } from '../model/constants.ts';
import { keyString, keyTags } from '../model/objectKey.ts';
import { rfc3339Seconds, windowOf, windowStartMs } from '../model/window.ts';
import { counter, gauge, histogram, summary } from '../metrics/define.ts';
import { isRetryable, type SpanCache } from '../spancache/types.ts';
import type { Tracer } from '../tracer/types.ts';
import type { Logger } from '../util/log.ts';
import type { Aggregator, LinkJob, PseudoSpanRequest, RichObject, SpanEvent, SpanRef } from './types.ts';

export interface AggregatorOptions {
  spanCache: SpanCache;
  tracer: Tracer;
  registry: Registry;
  logger: Logger;
  spanTtlMs: number;
  /** Lifetime of a reservation; a crashed creator's key is reclaimed after it. */
  reserveTtlMs: number;
  /** Cache retention past a span's window. */
  extraTtlMs?: number;
  pseudoSpanTags?: Record<string, string>;
  eventSpanTags?: Record<string, string>;
  /** How long to keep retrying while another writer holds the reservation; default reserve TTL + 1 s. */
  maxReserveWaitMs?: number;
  /** Bound of the in-process memo of known pseudo spans. */
  memoSize?: number;
  now?: () => number;
}

/** `<key>/field=<dedupId>,window=<n>` (spec 4.2). */
export function spanCacheKey(object: RichObject, dedupId: string, window: number): string {
  return `${keyString(object)}/field=${dedupId},window=${window}`;
}

/** The cached value: a W3C trace context carrier as JSON (spec 3.8). */
export function encodeCarrier(ref: SpanRef): string {
  return JSON.stringify({ traceparent: `00-${ref.traceId}-${ref.spanId}-01` });
}

export function decodeCarrier(value: string, key: string): SpanRef {
  let traceparent: unknown;
  try {
    traceparent = (JSON.parse(value) as { traceparent?: unknown }).traceparent;
  } catch (err) {
    throw new Error(`span cache value for "${key}" is not JSON: ${(err as Error).message}`);
  }
  const m = typeof traceparent === 'string' ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(traceparent) : null;
  if (!m) throw new Error(`span cache value for "${key}" has no valid traceparent: ${value.slice(0, 200)}`);
  return { traceId: m[1]!, spanId: m[2]! };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A short metric label for an error: the span cache conflict kind if one caused it, else the error name. */
function errorLabel(err: unknown): string {
  for (let e = err; e; e = e instanceof Error ? e.cause : undefined) {
    if (typeof e === 'object' && 'kind' in e && typeof e.kind === 'string') return e.kind;
  }
  return err instanceof Error ? err.name : 'unknown';
}

export class SpanAggregator implements Aggregator {
  private readonly listeners: ((job: LinkJob) => void)[] = [];
  /** Initialized cache entries never change, so a process may remember them until their window ends. */
  private readonly memo = new Map<string, { span: SpanRef; expiresAtMs: number }>();
  private readonly now: () => number;
  private readonly metrics;

  constructor(private readonly opts: AggregatorOptions) {
    this.now = opts.now ?? Date.now;
    const r = opts.registry;
    this.metrics = {
      send: histogram(r, 'aggregator_send', 'Event spans written (seconds)', ['cluster', 'traceSource', 'success', 'error']),
      sinceEvent: summary(r, 'aggregator_send_since_event', 'Seconds from event time to span creation', ['cluster', 'traceSource']),
      lazySpan: histogram(r, 'aggregator_lazy_span', 'Pseudo span fetch-or-create (seconds)', ['cluster', 'pseudoType', 'result']),
      retries: summary(r, 'aggregator_lazy_span_retry_count', 'Span cache attempts per pseudo span', ['cluster', 'pseudoType', 'result']),
      linkJobs: counter(r, 'aggregator_link_jobs_total', 'Link jobs published (object spans created)', ['cluster']),
    };
    gauge(r, 'aggregator_known_spans', 'Pseudo spans remembered in process', [], (g) => g.set(this.memo.size));
  }

  onLinkJob(listener: (job: LinkJob) => void): void {
    this.listeners.push(listener);
  }

  private remember(key: string, span: SpanRef, window: number): void {
    const max = this.opts.memoSize ?? 100_000;
    if (this.memo.size >= max) {
      // Oldest first (Map keeps insertion order).
      const oldest = this.memo.keys().next();
      if (!oldest.done) this.memo.delete(oldest.value);
    }
    const windowEnd = (window + 1) * Math.floor(this.opts.spanTtlMs / 1000) * 1000;
    this.memo.set(key, { span, expiresAtMs: windowEnd + (this.opts.extraTtlMs ?? 0) });
  }

  private recall(key: string): SpanRef | undefined {
    const hit = this.memo.get(key);
    if (!hit) return undefined;
    if (hit.expiresAtMs <= this.now()) {
      this.memo.delete(key);
      return undefined;
    }
    return hit.span;
  }

  async getOrCreatePseudoSpan(req: PseudoSpanRequest): Promise<{ span: SpanRef; created: boolean }> {
    const { object, pseudoType } = req;
    const window = windowOf(req.eventTimeMs, this.opts.spanTtlMs);
    const key = spanCacheKey(object, req.dedupId, window);
    const labels = { cluster: object.cluster, pseudoType };
    const end = this.metrics.lazySpan.startTimer(labels);
    const known = this.recall(key);
    if (known) {
      end({ result: 'memo' });
      return { span: known, created: false };
    }
    const deadline = this.now() + (this.opts.maxReserveWaitMs ?? this.opts.reserveTtlMs + 1000);
    let delay = 10;
    for (let attempt = 1; ; attempt++) {
      try {
        const entry = await this.opts.spanCache.fetchOrReserve(key, this.opts.reserveTtlMs);
        if (entry.value !== null) {
          const span = decodeCarrier(entry.value, key);
          this.remember(key, span, window);
          end({ result: 'fetch' });
          this.metrics.retries.observe({ ...labels, result: 'fetch' }, attempt);
          return { span, created: false };
        }
        const pending = this.opts.tracer.start(this.pseudoSpanSpec(req));
        // Store first, export second: if the store refuses, the span is discarded, never orphaned.
        await this.opts.spanCache.setReserved(key, encodeCarrier(pending.ref), entry.uid, this.opts.spanTtlMs + (this.opts.extraTtlMs ?? 0));
        pending.end();
        this.remember(key, pending.ref, window);
        end({ result: 'create' });
        this.metrics.retries.observe({ ...labels, result: 'create' }, attempt);
        return { span: pending.ref, created: true };
      } catch (err) {
        if (isRetryable(err) && this.now() < deadline) {
          await sleep(delay * (0.9 + Math.random() * 0.2));
          delay = Math.min(delay * 2, 500);
          continue;
        }
        end({ result: 'error' });
        this.metrics.retries.observe({ ...labels, result: 'error' }, attempt);
        throw new Error(`cannot reserve or fetch span "${key}" after ${attempt} attempts: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  private pseudoSpanSpec(req: PseudoSpanRequest) {
    const startMs = windowStartMs(req.eventTimeMs, this.opts.spanTtlMs);
    return {
      service: req.pseudoType === 'object' ? TraceSource.object : TraceSource.link,
      name: `${req.object.resource}/${req.object.name}`,
      startMs,
      endMs: startMs + this.opts.spanTtlMs,
      parent: req.parent,
      attributes: {
        ...keyTags(req.object),
        [Tag.traceSource]: TraceSource.object,
        [Tag.pseudoType]: req.pseudoType === 'object' ? PseudoType.object : PseudoType.link,
        [Tag.timeStamp]: rfc3339Seconds(startMs),
        ...this.opts.pseudoSpanTags,
        ...req.extraTags,
      },
    };
  }

  async ensureObjectSpan(object: RichObject, eventTimeMs: number): Promise<SpanRef> {
    const { span, created } = await this.getOrCreatePseudoSpan({ object, pseudoType: 'object', eventTimeMs, dedupId: 'object' });
    if (created) {
      this.metrics.linkJobs.inc({ cluster: object.cluster });
      const job: LinkJob = { object, eventTimeMs, span };
      for (const l of this.listeners) {
        try {
          l(job);
        } catch (err) {
          this.opts.logger.error('link job listener failed', { object: keyString(object), err: err });
        }
      }
    }
    return span;
  }

  async send(object: RichObject, event: SpanEvent): Promise<void> {
    const labels = { cluster: object.cluster, traceSource: event.traceSource };
    const end = this.metrics.send.startTimer(labels);
    this.metrics.sinceEvent.observe(labels, (this.now() - event.startMs) / 1000);
    try {
      const parent = await this.ensureObjectSpan(object, event.startMs);
      this.opts.tracer
        .start({
          service: event.traceSource,
          name: event.title,
          startMs: event.startMs,
          endMs: event.endMs ?? event.startMs + dummyDurationMs,
          parent,
          attributes: {
            ...keyTags(object),
            [Tag.notPseudo]: Tag.notPseudo,
            [Tag.traceSource]: event.traceSource,
            ...event.tags,
            ...this.opts.eventSpanTags,
          },
          logs: event.logs.map((l) => ({ name: l.message, timeMs: event.startMs, attributes: { [logTypeAttr]: l.type, ...l.attrs } })),
        })
        .end();
      end({ success: 'true', error: '' });
    } catch (err) {
      end({ success: 'false', error: errorLabel(err) });
      throw new Error(`sending ${event.traceSource} span "${event.title}" for ${keyString(object)}: ${(err as Error).message}`, { cause: err });
    }
  }
}
