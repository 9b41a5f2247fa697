/**
 * The query side of the plugin (spec 8.3, 8.4): Jaeger's Service is the display mode, Operation the
 * cluster, attributes the object key. A search merges each found object's windows, follows links as
 * the mode says, renders one trace per family under a fresh cache trace ID, and remembers what it
 * found in the trace cache; opening a cache trace ID re-reads those traces and renders them in the mode
 * its digits 3–10 name.
 */
import { status } from '@grpc/grpc-js';
import { decodeCacheTraceId, encodeCacheTraceId, newCacheKey } from '../../runtime/model/cacheTraceId.ts';
import { pseudoTraceSources, Tag } from '../../runtime/model/constants.ts';
import { keyString, keyTags, type ObjectKey } from '../../runtime/model/objectKey.ts';
import type { Logger } from '../../runtime/util/log.ts';
import type { Backend, Thumbnail } from '../backend/types.ts';
import type { PluginMetrics } from '../metrics.ts';
import { randomSpanId } from '../model/ids.ts';
import type { Span } from '../model/span.ts';
import type { SpanTree } from '../model/tree.ts';
import type { DisplayMode, DisplayModes } from '../modes/registry.ts';
import { followNothing } from '../transform/linkSelector.ts';
import { transform } from '../transform/transformer.ts';
import type { ExtensionRecord, TraceCache, TraceCacheEntry } from '../tracecache/types.ts';
import { listChildren, type Range } from './children.ts';
import { QueryError, invalidArgument } from './errors.ts';
import { followLinks } from './followLinks.ts';
import { mergeTraces } from './mergeTraces.ts';
import { objectKeyOf, ObjectSet } from './objects.ts';
import type { RenderMemo } from './renderMemo.ts';
import { clipToRange } from './timeClip.ts';

export interface FindQuery {
  /** Display mode name. */
  service: string;
  /** Cluster; '' = any. */
  operation: string;
  attributes: Record<string, string>;
  startUs: number;
  endUs: number;
  /** Raw traces to read at most; 0 = backend maximum. */
  limit: number;
}

export interface RenderedTrace {
  /** 32 hex digits: the cache trace ID every span carries. */
  traceId: string;
  spans: Span[];
  startUs: number;
  endUs: number;
}

export interface ReaderOptions {
  backend: Backend;
  cache: TraceCache;
  memo: RenderMemo;
  modes: DisplayModes;
  metrics: PluginMetrics;
  logger: Logger;
  spanTtlMs: number;
  followLinks: { inList: boolean; concurrency: number; limit: number; maxDepth: number; timeoutMs: number };
}

const keyParts = [Tag.cluster, Tag.group, Tag.resource, Tag.namespace, Tag.name] as const;

export class Reader {
  constructor(private readonly o: ReaderOptions) {}

  private range(startUs: number, endUs: number): Range {
    const ttlUs = this.o.spanTtlMs * 1000;
    return { startUs, endUs, windowStartUs: Math.floor(startUs / ttlUs) * ttlUs };
  }

  /** Reads an object's traces; with none in range, its pseudo spans (for links) over whole windows. */
  private async listObject(key: ObjectKey, r: Range, signal: AbortSignal): Promise<Thumbnail[]> {
    const limit = Math.max(1, Math.ceil((r.endUs - r.windowStartUs) / (this.o.spanTtlMs * 1000)));
    const found = await this.o.backend.list({ tags: keyTags(key), startUs: r.startUs, endUs: r.endUs, limit, signal });
    if (found.length) return found;
    return this.o.backend.list({ tags: keyTags(key), startUs: r.windowStartUs, endUs: r.endUs, limit, sources: pseudoTraceSources, signal });
  }

  private async follow(set: ObjectSet, mode: DisplayMode, startUs: number, endUs: number, limitIsGlobal: boolean): Promise<string[]> {
    // Modes that follow nothing still keep links between objects already present.
    if (mode.linkSelector === followNothing) return [];
    const f = this.o.followLinks;
    const r = this.range(startUs, endUs);
    const result = await followLinks(set, {
      selector: mode.linkSelector,
      lister: (key, signal) => this.listObject(key, r, signal),
      childLister: (parent, signal) => listChildren(this.o.backend, parent, r, signal),
      concurrency: f.concurrency,
      limit: f.limit,
      limitIsGlobal,
      maxDepth: f.maxDepth,
      timeoutMs: f.timeoutMs,
      metrics: this.o.metrics,
    });
    return result.warnings;
  }

  /** `replay`: extension results recorded with the cached trace being opened. */
  private async render(tree: SpanTree, mode: DisplayMode, traceId: string, startUs: number, endUs: number, warnings: string[], replay?: ExtensionRecord[]) {
    tree.root.warnings.push(...warnings);
    const extensions = await transform(tree, mode, { startUs, endUs, newSpanId: randomSpanId }, replay);
    const spans = tree.all();
    for (const s of spans) s.traceId = traceId;
    return { spans, extensions };
  }

  async findTraces(q: FindQuery): Promise<RenderedTrace[]> {
    // Without a service (e.g. api_v3 searches) the default mode applies.
    const mode = q.service ? this.o.modes.byName(q.service) : this.o.modes.defaultMode;
    if (!mode) throw invalidArgument(`invalid display mode "${q.service}"; see the service list for the modes`);
    if (!(q.endUs > q.startUs)) throw invalidArgument(`invalid time range: start ${q.startUs} µs must be before end ${q.endUs} µs`);
    this.o.metrics.findTimeRange.observe((q.endUs - q.startUs) / 1e6);
    const tags: Record<string, string> = { ...q.attributes };
    if (q.operation) tags[Tag.cluster] = q.operation;

    const set = new ObjectSet();
    set.addTraces(await this.o.backend.list({ tags, startUs: q.startUs, endUs: q.endUs, limit: q.limit }));
    const warnings = this.o.followLinks.inList ? await this.follow(set, mode, q.startUs, q.endUs, false) : [];
    this.o.metrics.tracesMerged.inc(set.tracesAdded);

    const rootObject = keyParts.every((k) => k in tags) ? (Object.fromEntries(keyParts.map((k) => [k, tags[k]!])) as unknown as ObjectKey) : null;
    const rendered: RenderedTrace[] = [];
    const entries: { key: string; entry: TraceCacheEntry }[] = [];
    for (const merged of mergeTraces(set, randomSpanId)) {
      const cacheKey = newCacheKey();
      const traceId = encodeCacheTraceId({ modeId: mode.id, cacheKey });
      clipToRange(merged.tree, q.startUs, q.endUs);
      this.o.memo.put(cacheKey, mode.id, q.startUs, q.endUs, merged.tree, warnings);
      const { spans, extensions } = await this.render(merged.tree, mode, traceId, q.startUs, q.endUs, warnings);
      rendered.push({ traceId, spans, startUs: q.startUs, endUs: q.endUs });
      entries.push({ key: cacheKey, entry: { identifiers: merged.identifiers, startUs: q.startUs, endUs: q.endUs, rootObject, ...(extensions.length ? { extensions } : {}) } });
    }
    try {
      await this.o.cache.persist(entries);
      this.o.metrics.traceCache.inc({ op: 'persist', result: 'ok' }, entries.length);
    } catch (err) {
      this.o.metrics.traceCache.inc({ op: 'persist', result: 'error' }, entries.length);
      throw err;
    }
    this.o.logger.debug('search rendered', { mode: mode.name, tags, traces: rendered.length, objects: set.objects.size, rawTraces: set.tracesAdded });
    return rendered;
  }

  /** The rendered trace, or undefined when the ID is unknown (not a cache ID, or expired). */
  async getTrace(traceIdHex: string, reqStartUs?: number, reqEndUs?: number): Promise<RenderedTrace | undefined> {
    const id = decodeCacheTraceId(traceIdHex);
    if (!id) return undefined;
    const mode = this.o.modes.byId(id.modeId);
    if (!mode) throw new QueryError(`display mode ${id.modeId.toString(16).padStart(8, '0')} does not exist (trace ${traceIdHex})`, status.NOT_FOUND);
    let entry: TraceCacheEntry | undefined;
    try {
      entry = await this.o.cache.fetch(id.cacheKey);
    } catch (err) {
      this.o.metrics.traceCache.inc({ op: 'fetch', result: 'error' });
      throw err;
    }
    this.o.metrics.traceCache.inc({ op: 'fetch', result: entry ? 'hit' : 'miss' });
    if (!entry || entry.identifiers.length === 0) return undefined;
    const startUs = reqStartUs || entry.startUs;
    const endUs = reqEndUs || entry.endUs;

    let tree: SpanTree;
    let warnings: string[];
    const memo = this.o.memo.get(id.cacheKey, mode.id, startUs, endUs);
    this.o.metrics.renderMemo.inc({ result: memo ? 'hit' : 'miss' });
    if (memo) {
      ({ tree, warnings } = memo);
    } else {
      const trees = await this.o.backend.get(entry.identifiers, startUs, endUs);
      const set = new ObjectSet();
      const thumbs: Thumbnail[] = [];
      trees.forEach((t, i) => t && thumbs.push({ identifier: entry.identifiers[i]!, tree: t }));
      if (thumbs.length === 0) return undefined;
      set.addTraces(thumbs);
      warnings = await this.follow(set, mode, startUs, endUs, true);
      if (thumbs.length < entry.identifiers.length) warnings.push(`${entry.identifiers.length - thumbs.length} of ${entry.identifiers.length} stored traces no longer exist in storage`);
      this.o.metrics.tracesMerged.inc(set.tracesAdded);
      const merged = mergeTraces(set, randomSpanId);
      let pick = merged[0]!;
      if (merged.length > 1) {
        const wanted = entry.rootObject ? keyString(entry.rootObject) : undefined;
        pick = merged.find((m) => m.objects.some((o) => o.keyStr === wanted)) ?? merged.reduce((a, b) => (b.tree.size > a.tree.size ? b : a));
        warnings.push(`the stored search now forms ${merged.length} unlinked traces; showing the one of ${keyString(objectKeyOf(pick.tree.root))}`);
      }
      tree = pick.tree;
      clipToRange(tree, startUs, endUs);
      this.o.memo.put(id.cacheKey, mode.id, startUs, endUs, tree, warnings);
    }
    const { spans } = await this.render(tree, mode, traceIdHex.toLowerCase(), startUs, endUs, warnings, entry.extensions);
    return { traceId: traceIdHex.toLowerCase(), spans, startUs, endUs };
  }
}
