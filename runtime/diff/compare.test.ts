import { describe, expect, it } from 'vitest';
import { appendKey, compare, formatDiffLine } from './compare.ts';

describe('compare', () => {
  it('reports changed scalars with dotted paths in key order', () => {
    const d = compare({ status: { observedGeneration: 1, replicas: 2 }, spec: { replicas: 2 } }, { status: { observedGeneration: 2, replicas: 2 }, spec: { replicas: 4 } });
    expect(d.diffs.map(formatDiffLine)).toEqual(['spec.replicas 2 -> 4', 'status.observedGeneration 1 -> 2']);
  });

  it('handles added and removed keys, arrays and type changes', () => {
    const d = compare({ a: [1, 2], b: 'x', c: { k: 1 } }, { a: [1, 3, 4], c: [1], d: true });
    expect(d.diffs.map(formatDiffLine)).toEqual(['a[1] 2 -> 3', 'a[2] null -> 4', 'b "x" -> null', 'c {"k":1} -> [1]', 'd null -> true']);
    expect(d.diffs[2]).toEqual({ jsonPath: 'b', old: 'x' });
  });

  it('quotes keys that are not plain identifiers', () => {
    expect(appendKey('metadata.labels', 'app.kubernetes.io/name')).toBe('metadata.labels["app.kubernetes.io/name"]');
    expect(appendKey('x', 'say "hi"')).toBe('x["say \\"hi\\""]');
    expect(appendKey('', 'metadata')).toBe('metadata');
    expect(compare({ spec: { template: { spec: { containers: [{ image: 'alpine:3.16' }] } } } }, { spec: { template: { spec: { containers: [{ image: 'alpine:3.17' }] } } } }).diffs.map(formatDiffLine)).toEqual([
      'spec.template.spec.containers[0].image "alpine:3.16" -> "alpine:3.17"',
    ]);
  });

  it('sorts keys by byte order and finds nothing for equal values', () => {
    expect(compare({ b: 1, B: 1, a: 1 }, { b: 2, B: 2, a: 2 }).diffs.map((e) => e.jsonPath)).toEqual(['B', 'a', 'b']);
    expect(compare({ a: [1, { b: null }] }, { a: [1, { b: null }] }).diffs).toEqual([]);
    expect(compare(null, null).diffs).toEqual([]);
    expect(compare(null, 1).diffs).toEqual([{ jsonPath: '', new: 1 }]);
  });
});
