/**
 * Trace cache (spec 8.10): what a returned cache trace ID stands for — which raw traces (root spans) a
 * search found and its time range — so that GetTraces can re-fetch and re-render it in any display
 * mode, from any plugin replica sharing the store.
 */
import type { PluginConfig } from '../../runtime/config/sections/plugin.ts';
import type { ObjectKey } from '../../runtime/model/objectKey.ts';

/** The `plugin.traceCache` section: backend, key prefix, TTL (ms). */
export type TraceCacheConfig = PluginConfig['traceCache'];

/** One raw per-object trace, re-rooted at an object span. Hex in memory, base64 in the stored JSON. */
export interface TraceIdentifier {
  traceId: string;
  spanId: string;
}

export interface TraceCacheEntry {
  identifiers: TraceIdentifier[];
  startUs: number;
  endUs: number;
  /** The searched object when the search named all five key parts. */
  rootObject: ObjectKey | null;
  /** What the display mode's extension providers found (spec 8.9), so opening the trace replays it. */
  extensions?: ExtensionRecord[];
}

/** One extension provider's result under one span: enough to re-configure the provider and reload it. */
export interface ExtensionRecord {
  /** Hex, of the object or audit span the result hangs under. */
  parentTraceId: string;
  parentSpanId: string;
  providerKind: string;
  /** The provider's config as written in the display-mode file. */
  providerConfig: unknown;
  /** The provider's own JSON (e.g. JaegerStorage: the trace IDs it found). */
  identifier: unknown;
}

export interface TraceCache {
  readonly kind: string;
  /** Stores all entries (keyed by the 16-hex-digit cache key) or fails as a whole. */
  persist(entries: { key: string; entry: TraceCacheEntry }[]): Promise<void>;
  /** undefined when the key is unknown or expired. */
  fetch(key: string): Promise<TraceCacheEntry | undefined>;
  close(): Promise<void>;
}
