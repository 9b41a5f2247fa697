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
import { counter, gauge, histogram, summary } from '../metrics/define.ts';
import { PseudoType, Tag, TraceSource, dummyDurationMs, logTypeAttr } from '../model/constants.ts';
import { keyString, keyTags } from '../model/objectKey.ts';
import type { SpanRef } from '../model/spanRef.ts';
import { rfc3339Seconds, windowOf, windowStartMs } from '../model/window.ts';
import { isRetryable, type CacheEntry, type SpanCache } from '../spancache/types.ts';
import type { SpanSpec, Tracer } from '../tracer/types.ts';
import { Backoff } from '../util/backoff.ts';
import type { Logger } from '../util/log.ts';
import { sleep } from '../util/sleep.ts';
import { decodeCarrier, encodeCarrier, spanCacheKey } from './cacheValue.ts';
import type { AggregatorConfig } from './config.ts';
import type { Aggregator, LinkJob, PseudoSpanRequest, RichObject, SpanEvent, SpanTagger } from './types.ts';

export { aggregatorConfigOf, type AggregatorConfig } from './config.ts';

export interface AggregatorDeps {
  spanCache: SpanCache;
  tracer: Tracer;
  registry: Registry;
  logger: Logger;
  now?: () => number;
  /** Resource tags (e.g. `nodes` on Pods) for object and event spans. */
  tagger?: SpanTagger;
}

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
  private readonly spanTtlMs: number;
  private readonly reserveTtlMs: number;
  private readonly extraTtlMs: number;
  private readonly maxReserveWaitMs: number;
  private readonly memoSize: number;
  private readonly pseudoSpanTags: Record<string, string>;
  private readonly eventSpanTags: Record<string, string>;
  private readonly spanCache: SpanCache;
  private readonly tracer: Tracer;
  private readonly logger: Logger;
  private readonly tagger: SpanTagger | undefined;
  private readonly now: () => number;
  private readonly metrics;

  constructor(cfg: AggregatorConfig, deps: AggregatorDeps) {
    this.spanTtlMs = cfg.spanTtl;
    this.reserveTtlMs = cfg.reserveTtl;
    this.extraTtlMs = cfg.extraTtl ?? 0;
    this.maxReserveWaitMs = cfg.maxReserveWait ?? cfg.reserveTtl + 1000;
    this.memoSize = cfg.memoSize ?? 100_000;
    this.pseudoSpanTags = cfg.pseudoSpanTags ?? {};
    this.eventSpanTags = cfg.eventSpanTags ?? {};
    this.spanCache = deps.spanCache;
    this.tracer = deps.tracer;
    this.logger = deps.logger;
    this.tagger = deps.tagger;
    this.now = deps.now ?? Date.now;
    this.metrics = aggregatorMetrics(deps.registry);
    gauge(deps.registry, 'aggregator_known_spans', 'Pseudo spans remembered in process', [], (g) => g.set(this.memo.size));
  }

  onLinkJob(listener: (job: LinkJob) => void): void {
    this.listeners.push(listener);
  }

  private remember(key: string, span: SpanRef, window: number): void {
    if (this.memo.size >= this.memoSize) {
      // Oldest first (Map keeps insertion order).
      const oldest = this.memo.keys().next();
      if (!oldest.done) this.memo.delete(oldest.value);
    }
    const windowEnd = (window + 1) * Math.floor(this.spanTtlMs / 1000) * 1000;
    this.memo.set(key, { span, expiresAtMs: windowEnd + this.extraTtlMs });
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
    const window = windowOf(req.eventTimeMs, this.spanTtlMs);
    const key = spanCacheKey(req.object, req.dedupId, window);
    const labels = { cluster: req.object.cluster, pseudoType: req.pseudoType };
    const end = this.metrics.lazySpan.startTimer(labels);
    const known = this.recall(key);
    if (known) {
      end({ result: 'memo' });
      return { span: known, created: false };
    }
    const deadline = this.now() + this.maxReserveWaitMs;
    const backoff = new Backoff({ initialMs: 10, maxMs: 500 });
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.fetchOrCreate(req, key, await this.spanCache.fetchOrReserve(key, this.reserveTtlMs));
        this.remember(key, result.span, window);
        const outcome = result.created ? 'create' : 'fetch';
        end({ result: outcome });
        this.metrics.retries.observe({ ...labels, result: outcome }, attempt);
        return result;
      } catch (err) {
        // A conflict clears when the other creator finishes; a store failure (etcd or Redis restarting) when
        // the store is back. Both are retried until the deadline, so a short outage delays events, not drops them.
        if (this.now() < deadline) {
          if (!isRetryable(err)) this.metrics.storeFailures.inc({ cluster: req.object.cluster });
          await sleep(backoff.next() * (0.9 + Math.random() * 0.2));
          continue;
        }
        end({ result: 'error' });
        this.metrics.retries.observe({ ...labels, result: 'error' }, attempt);
        throw new Error(`cannot reserve or fetch span "${key}" after ${attempt} attempts: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  /** The span an initialized entry names, or a new span for our reservation. */
  private async fetchOrCreate(req: PseudoSpanRequest, key: string, entry: CacheEntry): Promise<{ span: SpanRef; created: boolean }> {
    if (entry.value !== null) return { span: decodeCarrier(entry.value, key), created: false };
    const pending = this.tracer.start(this.pseudoSpanSpec(req));
    // Store first, export second: if the store refuses, the span is discarded, never orphaned.
    await this.spanCache.setReserved(key, encodeCarrier(pending.ref), entry.uid, this.spanTtlMs + this.extraTtlMs);
    pending.end();
    return { span: pending.ref, created: true };
  }

  private pseudoSpanSpec(req: PseudoSpanRequest): SpanSpec {
    const startMs = windowStartMs(req.eventTimeMs, this.spanTtlMs);
    return {
      service: req.pseudoType === 'object' ? TraceSource.object : TraceSource.link,
      name: `${req.object.resource}/${req.object.name}`,
      startMs,
      endMs: startMs + this.spanTtlMs,
      parent: req.parent,
      attributes: {
        ...keyTags(req.object),
        [Tag.traceSource]: TraceSource.object,
        [Tag.pseudoType]: req.pseudoType === 'object' ? PseudoType.object : PseudoType.link,
        [Tag.timeStamp]: rfc3339Seconds(startMs),
        ...this.pseudoSpanTags,
        ...req.extraTags,
        ...(req.pseudoType === 'object' ? this.tagger?.objectTags(req.object) : undefined),
      },
    };
  }

  async ensureObjectSpan(object: RichObject, eventTimeMs: number): Promise<SpanRef> {
    return (await this.objectSpan(object, eventTimeMs)).span;
  }

  /** The object span of the window; a new one publishes a `created` link job. */
  private async objectSpan(object: RichObject, eventTimeMs: number): Promise<{ span: SpanRef; created: boolean }> {
    const result = await this.getOrCreatePseudoSpan({ object, pseudoType: 'object', eventTimeMs, dedupId: 'object' });
    if (result.created) {
      this.metrics.linkJobs.inc({ cluster: object.cluster });
      this.publish({ object, eventTimeMs, span: result.span, trigger: 'created' });
    }
    return result;
  }

  private publish(job: LinkJob): void {
    for (const l of this.listeners) {
      try {
        l(job);
      } catch (err) {
        this.logger.error('link job listener failed', { object: keyString(job.object), trigger: job.trigger, err });
      }
    }
  }

  async send(object: RichObject, event: SpanEvent): Promise<void> {
    const labels = { cluster: object.cluster, traceSource: event.traceSource };
    const end = this.metrics.send.startTimer(labels);
    this.metrics.sinceEvent.observe(labels, (this.now() - event.startMs) / 1000);
    try {
      const { span: parent, created } = await this.objectSpan(object, event.startMs);
      this.tracer
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
            ...this.tagger?.eventTags(object, event),
            ...this.eventSpanTags,
          },
          logs: event.logs.map((l) => ({ name: l.message, timeMs: event.startMs, attributes: { [logTypeAttr]: l.type, ...l.attrs } })),
          ...(event.spanId ? { spanId: event.spanId } : {}),
        })
        .end();
      // The object may have changed its owner or parent-link since its span was created: let the linkers look again.
      if (!created && object.raw) this.publish({ object, eventTimeMs: event.startMs, span: parent, trigger: 'updated' });
      end({ success: 'true', error: '' });
    } catch (err) {
      end({ success: 'false', error: errorLabel(err) });
      throw new Error(`sending ${event.traceSource} span "${event.title}" for ${keyString(object)}: ${(err as Error).message}`, { cause: err });
    }
  }
}

function aggregatorMetrics(r: Registry) {
  return {
    send: histogram(r, 'aggregator_send', 'Event spans written (seconds)', ['cluster', 'traceSource', 'success', 'error']),
    sinceEvent: summary(r, 'aggregator_send_since_event', 'Seconds from event time to span creation', ['cluster', 'traceSource']),
    lazySpan: histogram(r, 'aggregator_lazy_span', 'Pseudo span fetch-or-create (seconds)', ['cluster', 'pseudoType', 'result']),
    retries: summary(r, 'aggregator_lazy_span_retry_count', 'Span cache attempts per pseudo span', ['cluster', 'pseudoType', 'result']),
    storeFailures: counter(r, 'aggregator_span_cache_failures_total', 'Span cache calls failed by the store, retried until the reserve deadline', ['cluster']),
    linkJobs: counter(r, 'aggregator_link_jobs_total', 'Link jobs published (object spans created)', ['cluster']),
  };
}
