/**
 * An in-memory Backend over a list of raw spans, matching like Jaeger's memory store (a trace matches
 * when one of its spans of the wanted service has every tag and starts in range). For unit tests of the
 * reader's logic; integration tests use the real Jaeger remote storage.
 */
import { realTraceSources } from '../../runtime/model/constants.ts';
import type { Backend, ListQuery, Thumbnail } from '../backend/types.ts';
import { cloneSpan, tagString, type Span } from '../model/span.ts';
import { SpanTree } from '../model/tree.ts';
import type { TraceIdentifier } from '../tracecache/types.ts';

export class MemoryBackend implements Backend {
  private readonly traces = new Map<string, Span[]>();
  lists = 0;
  gets = 0;

  constructor(
    spans: Span[],
    readonly searchLimit = 10_000,
  ) {
    for (const s of spans) this.traces.set(s.traceId, [...(this.traces.get(s.traceId) ?? []), s]);
  }

  private tree(traceId: string): SpanTree {
    return SpanTree.fromSpans(this.traces.get(traceId)!.map(cloneSpan)).tree;
  }

  async list(q: ListQuery): Promise<Thumbnail[]> {
    this.lists++;
    const sources: readonly string[] = q.sources ?? realTraceSources;
    const out: Thumbnail[] = [];
    for (const [traceId, spans] of this.traces) {
      const match = spans.some(
        (s) => sources.includes(s.service) && s.startUs >= q.startUs && s.startUs <= q.endUs && Object.entries(q.tags).every(([k, v]) => tagString(s, k) === v),
      );
      if (!match) continue;
      const tree = this.tree(traceId);
      out.push({ identifier: { traceId, spanId: tree.rootId }, tree });
      if (out.length >= (q.limit ? Math.min(q.limit, this.searchLimit) : this.searchLimit)) break;
    }
    return out;
  }

  async get(ids: TraceIdentifier[]): Promise<(SpanTree | undefined)[]> {
    this.gets++;
    return ids.map((i) => (this.traces.has(i.traceId) ? this.tree(i.traceId).subtree(i.spanId).clone() : undefined));
  }

  async close(): Promise<void> {}
}
