/**
 * The span cache (spec 4.1): a linearizable shared map from a pseudo span's cache key (spec 4.2) to the
 * serialized context of that span. An entry is either *reserved* (someone is creating the span) or
 * *initialized* (holds the value). Every entry version has a UID; `setReserved` is a compare-and-swap on
 * it, so of many writers racing for one key exactly one creates the span and the others read it.
 *
 * Reservations expire after their TTL in every implementation, so a creator that crashed between
 * reserving and setting never blocks the key for longer than that (the original's memory cache could
 * block it for 30 minutes, spec Appendix A.2).
 */

export interface CacheEntry {
  /** Null while the entry is only reserved. */
  value: string | null;
  /** Opaque version id, to pass back to `setReserved`. */
  uid: string;
}

export interface SpanCache {
  /** Which implementation (`memory`, `etcd`, `redis`), for metrics and logs. */
  readonly backend: string;
  /**
   * Returns the value if the key is initialized; reserves the key for `ttlMs` and returns `value: null`
   * with the reservation's uid if absent; throws `SpanCacheError('AlreadyReserved')` if someone else's
   * reservation is live.
   */
  fetchOrReserve(key: string, ttlMs: number): Promise<CacheEntry>;
  /** The entry, or undefined if absent (or expired). */
  fetch(key: string): Promise<CacheEntry | undefined>;
  /**
   * Turns the reservation `uid` into an initialized entry living `ttlMs`. Throws `InvalidKey` if the key
   * is absent, expired or already initialized, `UidMismatch` if it was re-reserved by someone else.
   */
  setReserved(key: string, value: string, uid: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

export type SpanCacheErrorKind = 'AlreadyReserved' | 'InvalidKey' | 'UidMismatch';

/** The protocol's expected conflicts; callers retry on these (anything else is a store failure). */
export class SpanCacheError extends Error {
  constructor(
    readonly kind: SpanCacheErrorKind,
    readonly key: string,
    detail: string,
  ) {
    super(`span cache ${kind} for key "${key}": ${detail}`);
    this.name = 'SpanCacheError';
  }
}

export function isRetryable(err: unknown): err is SpanCacheError {
  return err instanceof SpanCacheError;
}

/** etcd and Redis expire in whole units; never ask for less than this. */
export function atLeast(ms: number, min: number): number {
  return Math.max(Math.ceil(ms), min);
}
