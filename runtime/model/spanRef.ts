/** Identity of a written span, shared by the tracer (which assigns it) and the aggregator (which stores it). */

/** A W3C trace context of a span already written (32 + 16 lowercase hex digits). */
export interface SpanRef {
  traceId: string;
  spanId: string;
}
