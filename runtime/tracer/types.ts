/** What the aggregator needs from a tracer: write spans with explicit timing, parents and services. */
import type { SpanRef } from '../model/spanRef.ts';

export interface SpanLogSpec {
  name: string;
  timeMs: number;
  attributes: Record<string, string>;
}

export interface SpanSpec {
  /** OTel service name: `object`, `link`, `audit` or `event` (spec 3.3, 3.8). */
  service: string;
  name: string;
  startMs: number;
  endMs: number;
  /** No parent: the span is a trace root (object spans). */
  parent?: SpanRef;
  attributes: Record<string, string>;
  logs?: SpanLogSpec[];
  /** 16 hex digits; random when absent. Set for spans that may be written twice (audit redelivery). */
  spanId?: string;
}

/** A span whose identity is known but which is exported only once `end()` is called. */
export interface PendingSpan {
  readonly ref: SpanRef;
  /** Hands the span to the export pipeline. Never calling it discards the span. */
  end(): void;
}

export interface Tracer {
  start(spec: SpanSpec): PendingSpan;
  /** Exports everything queued so far (resolves when the exporter answered or gave up). */
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
