/**
 * Backend (spec 8.2): where the raw per-object traces live. `list` finds an object's traces by its
 * key tags and a time range; `get` re-reads known traces, each re-rooted at its object span.
 */
import type { SpanTree } from '../model/tree.ts';
import type { TraceIdentifier } from '../tracecache/types.ts';

export interface Thumbnail {
  identifier: TraceIdentifier;
  tree: SpanTree;
}

export interface ListQuery {
  /** Object key tags to match (any subset of cluster/group/resource/namespace/name). */
  tags: Record<string, string>;
  startUs: number;
  endUs: number;
  /** Traces wanted at most; 0 = the backend's maximum. */
  limit: number;
  /**
   * Services (trace sources) whose spans must match; default the real ones (`audit`, `event`). `object`
   * finds objects with no events in the range, for their links; `link` finds traces by a link span's tags.
   */
  sources?: readonly string[];
  signal?: AbortSignal;
}

export interface Backend {
  /** Traces one `list` returns at most: a list that returns this many may have been cut short. */
  readonly searchLimit: number;
  list(query: ListQuery): Promise<Thumbnail[]>;
  /** One tree per identifier, undefined where the trace or its root span no longer exists. */
  get(ids: TraceIdentifier[], startUs?: number, endUs?: number, signal?: AbortSignal): Promise<(SpanTree | undefined)[]>;
  close(): Promise<void>;
}
