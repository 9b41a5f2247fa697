/**
 * Stored form of a trace cache entry, the layout of the original Kelemetry (spec 8.10) so Go and
 * TypeScript frontends can share one etcd: key `<prefix><cache key as unsigned decimal>`, value JSON
 * `{identifiers: [{traceId: base64, spanId: base64}], startTime, endTime, rootObject, extensions, spans}`.
 */
import type { ExtensionRecord, TraceCacheEntry, TraceIdentifier } from './types.ts';

export function storageKey(prefix: string, cacheKey: string): string {
  if (!/^[0-9a-f]{16}$/.test(cacheKey)) throw new Error(`trace cache key must be 16 lowercase hex digits, got "${cacheKey}"`);
  return `${prefix}${BigInt(`0x${cacheKey}`).toString(10)}`;
}

function usToRfc3339(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString();
  const frac = String(us % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

function rfc3339ToUs(text: string): number {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) throw new Error(`invalid time "${text}" in trace cache entry`);
  const base = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(base)) throw new Error(`invalid time "${text}" in trace cache entry`);
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return base * 1000 + Number(frac);
}

export function encodeEntry(entry: TraceCacheEntry): string {
  return JSON.stringify({
    identifiers: entry.identifiers.map((i) => ({
      traceId: Buffer.from(i.traceId, 'hex').toString('base64'),
      spanId: Buffer.from(i.spanId, 'hex').toString('base64'),
    })),
    startTime: usToRfc3339(entry.startUs),
    endTime: usToRfc3339(entry.endUs),
    rootObject: entry.rootObject,
    // The original's field names: ids base64, config and identifier raw JSON.
    extensions: entry.extensions?.length
      ? entry.extensions.map((r) => ({ parentTrace: hexToBase64(r.parentTraceId), parentSpan: hexToBase64(r.parentSpanId), providerKind: r.providerKind, providerConfig: r.providerConfig, cachedIdentifier: r.identifier }))
      : null,
    spans: null,
  });
}

export function decodeEntry(text: string, where: string): TraceCacheEntry {
  let doc: { identifiers?: ({ traceId?: string; spanId?: string } | null)[]; startTime?: string; endTime?: string; rootObject?: TraceCacheEntry['rootObject']; extensions?: StoredExtension[] | null };
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`trace cache entry ${where} is not JSON: ${(err as Error).message}`);
  }
  if (!doc.startTime || !doc.endTime) throw new Error(`trace cache entry ${where} has no startTime/endTime`);
  const identifiers: TraceIdentifier[] = [];
  // Null identifiers (the original's fake roots) carry nothing to re-fetch.
  for (const i of doc.identifiers ?? []) {
    if (!i?.traceId || !i.spanId) continue;
    identifiers.push({ traceId: Buffer.from(i.traceId, 'base64').toString('hex'), spanId: Buffer.from(i.spanId, 'base64').toString('hex') });
  }
  const extensions = (doc.extensions ?? []).filter((r) => r?.parentTrace && r.parentSpan && r.providerKind).map(decodeExtension);
  return { identifiers, startUs: rfc3339ToUs(doc.startTime), endUs: rfc3339ToUs(doc.endTime), rootObject: doc.rootObject ?? null, ...(extensions.length ? { extensions } : {}) };
}

interface StoredExtension {
  parentTrace?: string;
  parentSpan?: string;
  providerKind?: string;
  providerConfig?: unknown;
  cachedIdentifier?: unknown;
}

function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

function decodeExtension(r: StoredExtension): ExtensionRecord {
  const hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');
  return { parentTraceId: hex(r.parentTrace!), parentSpanId: hex(r.parentSpan!), providerKind: r.providerKind!, providerConfig: r.providerConfig ?? null, identifier: r.cachedIdentifier ?? null };
}
