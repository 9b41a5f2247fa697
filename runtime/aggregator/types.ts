/**
 * The aggregator's contract: what the audit consumer, event controller and linkers call to write
 * spans (spec 3.3, 4.3). The implementation lives beside this file.
 */
import type { LogType, TraceSource } from '../model/constants.ts';
import type { VersionedKey } from '../model/objectKey.ts';
import type { SpanRef } from '../model/spanRef.ts';

// Re-exported: the pipelines and tests know SpanRef as part of the aggregator's contract.
export type { SpanRef };

/** An object as the pipelines know it: its key, and when available its UID and latest JSON. */
export interface RichObject extends VersionedKey {
  uid?: string;
  /** The object's JSON (e.g. an audit responseObject), used by linkers and taggers. */
  raw?: Record<string, unknown>;
}

/** One log line on a span (an OTel span event): message plus `zzz-logType`. */
export interface SpanLog {
  type: LogType;
  message: string;
  attrs?: Record<string, string>;
}

/** A real event about an object: an audit record or a Kubernetes Event. */
export interface SpanEvent {
  /** Operation name, e.g. `alice update status (Conflict)` or the Event reason. */
  title: string;
  traceSource: Extract<TraceSource, 'audit' | 'event'>;
  startMs: number;
  /** Defaults to start + 1 s (instantaneous events). */
  endMs?: number;
  tags: Record<string, string>;
  logs: SpanLog[];
  /** Deterministic span ID (16 hex digits), so a span written again after a redelivery is recognisably the same. */
  spanId?: string;
}

/**
 * The linkers' input: published when an object's span is created for a window (`created`), and again for
 * every later event of that window that carries the object's JSON (`updated`), so links follow owner
 * references and annotations changed after the span was created. The linker pool skips unchanged ones.
 */
export interface LinkJob {
  object: RichObject;
  eventTimeMs: number;
  span: SpanRef;
  /** Absent = `created` (test doubles and older publishers). */
  trigger?: 'created' | 'updated';
}

export interface PseudoSpanRequest {
  object: RichObject;
  pseudoType: 'object' | 'link';
  eventTimeMs: number;
  /** Parent span (the object span, for link spans); none for object spans. */
  parent?: SpanRef;
  extraTags?: Record<string, string>;
  /** Distinguishes pseudo spans of one object in one window (`object`, `ownerReference`, `annotation@<key>`…). */
  dedupId: string;
}

/** Extra tags from the object's JSON (the resource tagger, runtime/tagger). */
export interface SpanTagger {
  objectTags(object: RichObject): Record<string, string>;
  eventTags(object: RichObject, event: SpanEvent): Record<string, string>;
}

export interface Aggregator {
  /** Writes an event span under the object's span for the event's window (creating that span if needed). */
  send(object: RichObject, event: SpanEvent): Promise<void>;
  /** The object span of the window containing eventTimeMs, created (and a LinkJob published) if missing. */
  ensureObjectSpan(object: RichObject, eventTimeMs: number): Promise<SpanRef>;
  /** Fetch-or-create through the span cache, so concurrent writers agree on one span (spec 4.1–4.3). */
  getOrCreatePseudoSpan(req: PseudoSpanRequest): Promise<{ span: SpanRef; created: boolean }>;
  /** Registers a consumer of link jobs (the linker worker pool). */
  onLinkJob(listener: (job: LinkJob) => void): void;
}
