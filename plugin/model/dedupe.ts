/**
 * Drops exact duplicate spans of one trace (same span ID). The audit consumer writes a span again when
 * its event is delivered again after a crash (the durable audit queue is at-least-once); the span ID is
 * derived from the event, so the copies share it and, with it, their logs.
 */
import type { Span } from './span.ts';

export function dropDuplicateSpans(spans: Span[]): { spans: Span[]; duplicates: number } {
  const seen = new Set<string>();
  const unique = spans.filter((s) => !seen.has(s.spanId) && (seen.add(s.spanId), true));
  return { spans: unique, duplicates: spans.length - unique.length };
}
