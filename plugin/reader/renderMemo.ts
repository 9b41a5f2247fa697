/**
 * A short-lived in-process memo of merged (not yet transformed) traces, keyed by cache key, display mode
 * and time range: the Jaeger UI asks for a trace right after the search (or /redirect) that found it,
 * and this spares a second round of reads. Bounded by total spans (merged trees with their logs are
 * large: ~1 MiB per 200 spans) and TTL; disabled with ttl 0.
 */
import type { SpanTree } from '../model/tree.ts';

export class RenderMemo {
  private readonly entries = new Map<string, { tree: SpanTree; warnings: string[]; expiresAt: number }>();
  private spans = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxSpans: number,
    private readonly now: () => number = Date.now,
  ) {}

  private static key(cacheKey: string, modeId: number, startUs: number, endUs: number): string {
    return `${cacheKey}/${modeId}/${startUs}/${endUs}`;
  }

  put(cacheKey: string, modeId: number, startUs: number, endUs: number, tree: SpanTree, warnings: string[]): void {
    if (this.ttlMs <= 0 || tree.size > this.maxSpans) return;
    const k = RenderMemo.key(cacheKey, modeId, startUs, endUs);
    this.remove(k);
    this.entries.set(k, { tree: tree.clone(), warnings: [...warnings], expiresAt: this.now() + this.ttlMs });
    this.spans += tree.size;
    // Oldest first (Map order); expired entries are among the oldest.
    while (this.spans > this.maxSpans) this.remove(this.entries.keys().next().value!);
  }

  private remove(k: string): void {
    const e = this.entries.get(k);
    if (!e) return;
    this.entries.delete(k);
    this.spans -= e.tree.size;
  }

  /** A private copy, or undefined. */
  get(cacheKey: string, modeId: number, startUs: number, endUs: number): { tree: SpanTree; warnings: string[] } | undefined {
    const k = RenderMemo.key(cacheKey, modeId, startUs, endUs);
    const e = this.entries.get(k);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.remove(k);
      return undefined;
    }
    return { tree: e.tree.clone(), warnings: [...e.warnings] };
  }
}
