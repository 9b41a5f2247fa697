/**
 * Audit timestamps are RFC 3339 with microseconds (`2024-05-01T10:00:00.123456Z`). `Date.parse` keeps
 * only milliseconds, and a float of epoch milliseconds has ~0.2 µs resolution, so latencies are computed
 * from the whole milliseconds and the sub-millisecond fraction separately.
 */
const rfc3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

export interface Timestamp {
  /** Whole milliseconds since the epoch. */
  ms: number;
  /** Sub-millisecond part, in ms, in [0, 1). */
  fractionMs: number;
}

/** Undefined when absent or malformed. */
export function parseTimestamp(text: string | undefined): Timestamp | undefined {
  if (!text) return undefined;
  const m = rfc3339.exec(text);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(seconds)) return undefined;
  const digits = (m[2] ?? '').padEnd(3, '0');
  return { ms: seconds + Number(digits.slice(0, 3)), fractionMs: digits.length > 3 ? Number(`0.${digits.slice(3)}`) : 0 };
}

/** `b - a` in seconds, keeping microseconds. */
export function secondsBetween(a: Timestamp, b: Timestamp): number {
  return (b.ms - a.ms + (b.fractionMs - a.fractionMs)) / 1000;
}

/** Seconds from `t` to a clock reading in ms. */
export function secondsSince(t: Timestamp, nowMs: number): number {
  return (nowMs - t.ms - t.fractionMs) / 1000;
}
