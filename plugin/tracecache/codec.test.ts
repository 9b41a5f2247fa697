import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, storageKey } from './codec.ts';
import { MemoryTraceCache } from './memory.ts';
import type { TraceCacheEntry } from './types.ts';

const entry: TraceCacheEntry = {
  identifiers: [{ traceId: '0123456789abcdef0123456789abcdef', spanId: '00000000000000ff' }],
  startUs: Date.parse('2025-01-02T10:00:00Z') * 1000 + 123456,
  endUs: Date.parse('2025-01-02T11:00:00Z') * 1000,
  rootObject: { cluster: 'c', group: 'apps', resource: 'deployments', namespace: 'default', name: 'demo' },
};

describe('trace cache codec', () => {
  it('uses the original layout: decimal key, base64 ids, RFC 3339 times', () => {
    expect(storageKey('/trace/', 'ffffffffffffffff')).toBe('/trace/18446744073709551615');
    expect(() => storageKey('/trace/', 'xyz')).toThrow(/16 lowercase hex/);
    const text = encodeEntry(entry);
    const doc = JSON.parse(text);
    expect(doc.identifiers[0]).toEqual({ traceId: 'ASNFZ4mrze8BI0VniavN7w==', spanId: 'AAAAAAAAAP8=' });
    expect(doc.startTime).toBe('2025-01-02T10:00:00.123456Z');
    expect(decodeEntry(text, 'k')).toEqual(entry);
  });
  it('stores extension results under the original field names, and reads them back', () => {
    const withExt: TraceCacheEntry = {
      ...entry,
      extensions: [{ parentTraceId: '0123456789abcdef0123456789abcdef', parentSpanId: '00000000000000ff', providerKind: 'JaegerStorage', providerConfig: { kind: 'JaegerStorage', service: 'apiserver' }, identifier: { traceIds: ['AQ=='] } }],
    };
    const doc = JSON.parse(encodeEntry(withExt));
    expect(doc.extensions).toEqual([{ parentTrace: 'ASNFZ4mrze8BI0VniavN7w==', parentSpan: 'AAAAAAAAAP8=', providerKind: 'JaegerStorage', providerConfig: { kind: 'JaegerStorage', service: 'apiserver' }, cachedIdentifier: { traceIds: ['AQ=='] } }]);
    expect(decodeEntry(encodeEntry(withExt), 'k')).toEqual(withExt);
    expect(JSON.parse(encodeEntry(entry)).extensions).toBeNull();
    expect(decodeEntry(encodeEntry(entry), 'k')).not.toHaveProperty('extensions');
  });
  it('reads Go-written times and skips null identifiers', () => {
    const e = decodeEntry('{"identifiers":[null],"startTime":"2025-01-02T10:00:00+01:00","endTime":"2025-01-02T10:30:00.5Z","rootObject":null}', 'k');
    expect(e.identifiers).toEqual([]);
    expect(e.startUs).toBe(Date.parse('2025-01-02T09:00:00Z') * 1000);
    expect(e.endUs).toBe(Date.parse('2025-01-02T10:30:00Z') * 1000 + 500_000);
    expect(() => decodeEntry('nope', '/trace/1')).toThrow(/\/trace\/1 is not JSON/);
  });
});

describe('memory trace cache', () => {
  it('returns copies and expires entries after the TTL', async () => {
    let now = 1000;
    const cache = new MemoryTraceCache({ ttl: 100 }, { now: () => now });
    await cache.persist([{ key: 'a'.repeat(16), entry }]);
    const got = await cache.fetch('a'.repeat(16));
    expect(got).toEqual(entry);
    got!.identifiers.length = 0;
    expect((await cache.fetch('a'.repeat(16)))!.identifiers).toHaveLength(1);
    now = 1100;
    expect(await cache.fetch('a'.repeat(16))).toBeUndefined();
    await cache.persist([{ key: 'b'.repeat(16), entry }]);
    expect(cache.size).toBe(1);
  });
});
