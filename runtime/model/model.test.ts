import { describe, expect, it } from 'vitest';
import { decodeCacheTraceId, encodeCacheTraceId, parseModeId } from './cacheTraceId.ts';
import { keyString, keyTags, parseKeyString } from './objectKey.ts';
import { rfc3339Seconds, windowOf, windowStartMs } from './window.ts';

describe('object key', () => {
  it('keeps empty parts in its string form and round-trips', () => {
    const pod = { cluster: 'tracetest', group: '', resource: 'pods', namespace: 'default', name: 'demo-abc' };
    expect(keyString(pod)).toBe('tracetest//pods/default/demo-abc');
    expect(parseKeyString(keyString(pod))).toEqual(pod);
    expect(() => parseKeyString('a/b')).toThrow(/invalid object key/);
  });
  it('adds version to tags only for versioned keys', () => {
    const key = { cluster: 'c', group: 'apps', resource: 'deployments', namespace: 'ns', name: 'demo' };
    expect(keyTags(key)).not.toHaveProperty('version');
    expect(keyTags({ ...key, version: 'v1' })).toMatchObject({ group: 'apps', version: 'v1' });
  });
});

describe('windows', () => {
  it('groups instants into 30-minute windows', () => {
    const t = Date.parse('2025-01-02T10:17:33.250Z');
    expect(windowStartMs(t)).toBe(Date.parse('2025-01-02T10:00:00Z'));
    expect(windowOf(t)).toBe(windowOf(Date.parse('2025-01-02T10:29:59.999Z')));
    expect(windowOf(t) + 1).toBe(windowOf(Date.parse('2025-01-02T10:30:00Z')));
    expect(rfc3339Seconds(windowStartMs(t))).toBe('2025-01-02T10:00:00Z');
  });
});

describe('cache trace id', () => {
  it('puts the display mode in hex characters 3-10', () => {
    const id = encodeCacheTraceId({ modeId: 0x21000000, cacheKey: '5c0a1b2c3d4e5f60' });
    expect(id).toBe('ff21000000e1e3e75c0a1b2c3d4e5f60');
    expect(id).toHaveLength(32);
    const edited = `ff${'22000000'}${id.slice(10)}`;
    expect(decodeCacheTraceId(edited)).toEqual({ modeId: 0x22000000, cacheKey: '5c0a1b2c3d4e5f60' });
  });
  it('rejects raw trace ids and bad input', () => {
    expect(decodeCacheTraceId('0123456789abcdef0123456789abcdef')).toBeUndefined();
    expect(() => encodeCacheTraceId({ modeId: -1, cacheKey: '0'.repeat(16) })).toThrow(/out of range/);
    expect(parseModeId('21000000')).toBe(0x21000000);
    expect(() => parseModeId('xyz')).toThrow(/hex/);
  });
});
