/**
 * Trace IDs the plugin hands to Jaeger (spec 3.7): `ff` + 8 hex digits of the display mode + `e1e3e7`
 * + 16 hex digits of a random cache key. Editing characters 3–10 of an ID re-renders the same cached
 * search in another display mode.
 */
import { randomBytes } from 'node:crypto';

const prefix = 'ff';
const marker = 'e1e3e7';

export interface CacheTraceId {
  /** 32-bit display mode id, e.g. 0x21000000 for `tracing [full tree]`. */
  modeId: number;
  /** 16 hex digits keying the trace cache entry. */
  cacheKey: string;
}

export function encodeCacheTraceId(id: CacheTraceId): string {
  if (!Number.isInteger(id.modeId) || id.modeId < 0 || id.modeId > 0xffffffff) throw new Error(`display mode id out of range: ${id.modeId}`);
  if (!/^[0-9a-f]{16}$/.test(id.cacheKey)) throw new Error(`cache key must be 16 lowercase hex digits, got "${id.cacheKey}"`);
  return `${prefix}${id.modeId.toString(16).padStart(8, '0')}${marker}${id.cacheKey}`;
}

/** Parses a 32-hex-digit ID; undefined when it is not a cache trace ID (e.g. a raw trace ID). */
export function decodeCacheTraceId(hex: string): CacheTraceId | undefined {
  const m = /^ff([0-9a-f]{8})e1e3e7([0-9a-f]{16})$/.exec(hex.toLowerCase());
  if (!m) return undefined;
  return { modeId: parseInt(m[1]!, 16), cacheKey: m[2]! };
}

export function newCacheKey(): string {
  return randomBytes(8).toString('hex');
}

/** Display mode ids are written as 8 hex digits in configs and URLs (e.g. "21000000"). */
export function parseModeId(hex: string): number {
  if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) throw new Error(`display mode id must be up to 8 hex digits, got "${hex}"`);
  return parseInt(hex, 16);
}
