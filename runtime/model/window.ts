/** Time windows (spec 3.2): one trace per object per window. */

export const defaultSpanTtlMs = 30 * 60 * 1000;

/** Window number of an instant: floor(unix seconds / window seconds). */
export function windowOf(timeMs: number, spanTtlMs = defaultSpanTtlMs): number {
  return Math.floor(Math.floor(timeMs / 1000) / Math.floor(spanTtlMs / 1000));
}

/** Start of the window containing an instant, in ms. (The original keeps a sub-second fraction; we do not.) */
export function windowStartMs(timeMs: number, spanTtlMs = defaultSpanTtlMs): number {
  return windowOf(timeMs, spanTtlMs) * Math.floor(spanTtlMs / 1000) * 1000;
}

/** RFC 3339 with second precision, as in the `timeStamp` tag (e.g. `2025-01-02T10:00:00Z`). */
export function rfc3339Seconds(timeMs: number): string {
  return new Date(Math.floor(timeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
