/** The span cache's key and value formats for pseudo spans (spec 3.8, 4.2), shared with the Go writer. */
import { keyString } from '../model/objectKey.ts';
import type { SpanRef } from '../model/spanRef.ts';
import type { RichObject } from './types.ts';

/** `<key>/field=<dedupId>,window=<n>` (spec 4.2). */
export function spanCacheKey(object: RichObject, dedupId: string, window: number): string {
  return `${keyString(object)}/field=${dedupId},window=${window}`;
}

/** The cached value: a W3C trace context carrier as JSON (spec 3.8). */
export function encodeCarrier(ref: SpanRef): string {
  return JSON.stringify({ traceparent: `00-${ref.traceId}-${ref.spanId}-01` });
}

export function decodeCarrier(value: string, key: string): SpanRef {
  let traceparent: unknown;
  try {
    traceparent = (JSON.parse(value) as { traceparent?: unknown }).traceparent;
  } catch (err) {
    throw new Error(`span cache value for "${key}" is not JSON: ${(err as Error).message}`);
  }
  const m = typeof traceparent === 'string' ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(traceparent) : null;
  if (!m) throw new Error(`span cache value for "${key}" has no valid traceparent: ${value.slice(0, 200)}`);
  return { traceId: m[1]!, spanId: m[2]! };
}
