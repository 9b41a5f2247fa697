import { describe, expect, it } from 'vitest';
import { cacheKey, relistChanges } from './informer.ts';
import type { KubeObject } from './list.ts';

const obj = (name: string, rv: string, namespace = 'ns'): KubeObject => ({ metadata: { name, namespace, resourceVersion: rv } });

describe('relistChanges', () => {
  it('reports adds, updates (resourceVersion changed) and deletes missed while not watching', () => {
    const cache = new Map([obj('same', '1'), obj('changed', '1'), obj('gone', '1')].map((o) => [cacheKey(o), o]));
    const changes = relistChanges(cache, [obj('same', '1'), obj('changed', '2'), obj('new', '3')]);
    expect(changes.map((c) => [c.event, c.obj.metadata?.name, c.old?.metadata?.resourceVersion])).toEqual([
      ['update', 'changed', '1'],
      ['add', 'new', undefined],
      ['delete', 'gone', undefined],
    ]);
  });

  it('keys cluster-scoped objects by name alone', () => {
    expect(cacheKey({ metadata: { name: 'cr' } })).toBe('/cr');
    expect(cacheKey(obj('a', '1'))).toBe('ns/a');
  });
});
