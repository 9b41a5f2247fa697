/**
 * Extension providers (spec 8.9): other trace sources whose spans a display mode shows under Kelemetry's
 * object spans (FetchForObject) and audit spans (FetchForVersion), e.g. the apiserver's own traces of a
 * request. A provider is configured by an `extension` modifier of the display-mode file.
 */
import type { Logger } from '../../runtime/util/log.ts';
import type { Span } from '../model/span.ts';
import type { ExtensionMetrics } from './metrics.ts';

/** The object a fetch is about, from the key tags of the object or audit span. */
export interface ObjectRef {
  cluster: string;
  group: string;
  version: string;
  resource: string;
  namespace: string;
  name: string;
}

export interface FetchQuery {
  object: ObjectRef;
  /** Every tag of the span the result will hang under, as text. */
  tags: Record<string, string>;
  /** The audit span's `resourceVersion` (FetchForVersion only). */
  resourceVersion?: string;
  /** The time range of the displayed trace, µs. */
  startUs: number;
  endUs: number;
  signal: AbortSignal;
}

export interface FetchResult {
  /** JSON kept in the trace cache entry, from which `loadCache` reloads the same spans. */
  identifier: unknown;
  /** Spans keep their own IDs; those whose parent is not among them hang under the object or audit span. */
  spans: Span[];
}

export interface ExtensionProvider {
  /** The factory name of the original (`JaegerStorage`, `HTTPTrace`). */
  readonly kind: string;
  /** Fetches of one trace running at once. */
  readonly maxConcurrency: number;
  /** Wall-clock budget of all fetches of one trace; results obtained by then are kept. */
  readonly totalTimeoutMs: number;
  /** undefined: nothing to fetch for object spans (e.g. `forObject: false`). */
  fetchForObject(q: FetchQuery): Promise<FetchResult | undefined>;
  fetchForVersion(q: FetchQuery): Promise<FetchResult | undefined>;
  /** Reloads a result from its identifier; absent when the provider cannot, and the fetch runs again instead. */
  loadCache?(identifier: unknown, signal: AbortSignal): Promise<Span[]>;
  close(): void;
}

/** A provider as display modes use it: one per `extension` modifier, shared by every mode it applies to. */
export interface Extension {
  /** The modifier's display name (also in the mode name). */
  name: string;
  modifierClass: string;
  /** The modifier's args as written: stored with cached results, and how a replay finds its provider. */
  rawConfig: Record<string, unknown>;
  provider: ExtensionProvider;
  metrics: ExtensionMetrics;
  logger: Logger;
}
