/**
 * Backend over Jaeger remote storage (spec 8.2 `jaeger-storage`, on the v2 API): raw traces are
 * found by service = trace source (`audit`, `event`; `object` or `link` for pseudo spans) and key tags as
 * attributes.
 */
import { realTraceSources } from '../../runtime/model/constants.ts';
import type { PluginMetrics } from '../metrics.ts';
import { dropDuplicateSpans } from '../model/dedupe.ts';
import { SpanTree } from '../model/tree.ts';
import type { Span } from '../model/span.ts';
import type { TraceIdentifier } from '../tracecache/types.ts';
import type { RemoteStorageClient } from './remoteStorage.ts';
import type { Backend, ListQuery, Thumbnail } from './types.ts';

export class JaegerStorageBackend implements Backend {
  constructor(
    private readonly client: RemoteStorageClient,
    readonly searchLimit: number,
    private readonly metrics: PluginMetrics,
  ) {}

  private toTree(spans: Span[]): SpanTree | undefined {
    if (spans.length === 0) return undefined;
    // A redelivered audit event is written again with the same span ID: show it once.
    const { tree, orphans } = SpanTree.fromSpans(dropDuplicateSpans(spans).spans);
    if (orphans.length) this.metrics.orphanSpans.inc(orphans.length);
    return tree;
  }

  async list(q: ListQuery): Promise<Thumbnail[]> {
    const end = this.metrics.backendSeconds.startTimer({ op: 'list' });
    try {
      const sources = q.sources ?? realTraceSources;
      const max = q.limit > 0 ? Math.min(q.limit, this.searchLimit) : this.searchLimit;
      const out: Thumbnail[] = [];
      const seen = new Set<string>();
      for (const service of sources) {
        if (out.length >= max) break;
        const traces = await this.client.findTraces(
          { service, attributes: q.tags, startUs: q.startUs, endUs: q.endUs, searchDepth: max - out.length },
          q.signal,
          // The same trace often matches both the audit and the event search: not decoded twice.
          seen,
        );
        for (const [traceId, spans] of traces) {
          if (seen.has(traceId)) continue;
          seen.add(traceId);
          const tree = this.toTree(spans);
          if (tree) out.push({ identifier: { traceId, spanId: tree.rootId }, tree });
        }
      }
      end({ outcome: 'ok' });
      return out;
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  }

  async get(ids: TraceIdentifier[], startUs?: number, endUs?: number, signal?: AbortSignal): Promise<(SpanTree | undefined)[]> {
    if (ids.length === 0) return [];
    const end = this.metrics.backendSeconds.startTimer({ op: 'get' });
    try {
      const unique = [...new Set(ids.map((i) => i.traceId))];
      const traces = await this.client.getTraces(unique.map((traceId) => ({ traceId, startUs, endUs })), signal);
      const trees = new Map<string, SpanTree | undefined>();
      for (const [traceId, spans] of traces) trees.set(traceId, this.toTree(spans));
      end({ outcome: 'ok' });
      return ids.map((i) => {
        const tree = trees.get(i.traceId);
        // A trace is shared by several identifiers only if it was re-rooted differently; subtree() shares spans, so clone.
        return tree?.has(i.spanId) ? tree.subtree(i.spanId).clone() : undefined;
      });
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
