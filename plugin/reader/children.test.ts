import { describe, expect, it } from 'vitest';
import { defaultSpanTtlMs } from '../../runtime/model/window.ts';
import { keyTags, type ObjectKey } from '../../runtime/model/objectKey.ts';
import { pseudoTraceSources } from '../../runtime/model/constants.ts';
import { deploymentFamily, KelemetrySpanBuilder } from '../testing/kelemetrySpans.ts';
import { MemoryBackend } from '../testing/memoryBackend.ts';
import { applyLinkSelectorModifier, followNothing } from '../transform/linkSelector.ts';
import { listChildren, type Range } from './children.ts';
import { followLinks, type ChildLister } from './followLinks.ts';
import { ObjectSet } from './objects.ts';

const W = Date.parse('2025-01-02T10:00:00Z');
const ttlUs = defaultSpanTtlMs * 1000;
const b = new KelemetrySpanBuilder();
deploymentFamily(b, { cluster: 'c', namespace: 'ns', name: 'd', firstWindowMs: W, windows: 3, replicaSets: 3, podsPerReplicaSet: 4 });
const fullTree = applyLinkSelectorModifier(followNothing, { modifierClass: 'o', upwardDistance: 3, downwardDistance: 3 });

function rangeOf(startUs: number, endUs: number): Range {
  return { startUs, endUs, windowStartUs: Math.floor(startUs / ttlUs) * ttlUs };
}

/** The reader's one-object search (Reader.listObject). */
async function listObject(backend: MemoryBackend, key: ObjectKey, r: Range) {
  const found = await backend.list({ tags: keyTags(key), startUs: r.startUs, endUs: r.endUs, limit: 0 });
  if (found.length) return found;
  return backend.list({ tags: keyTags(key), startUs: r.windowStartUs, endUs: r.endUs, limit: 0, sources: pseudoTraceSources });
}

/** The Deployment's family followed from its own traces; `batch` fetches children in one call per parent. */
async function family(backend: MemoryBackend, r: Range, batch: boolean) {
  const set = new ObjectSet();
  set.addTraces(await backend.list({ tags: { resource: 'deployments', name: 'd' }, startUs: r.startUs, endUs: r.endUs, limit: 0 }));
  const childLister: ChildLister | undefined = batch ? (parent, signal) => listChildren(backend, parent, r, signal) : undefined;
  const result = await followLinks(set, {
    selector: fullTree,
    lister: (key) => listObject(backend, key, r),
    ...(childLister ? { childLister } : {}),
    concurrency: 4,
    limit: 1000,
    limitIsGlobal: true,
    maxDepth: 10,
    timeoutMs: 5000,
  });
  const objects = [...set.objects.values()].map((o) => `${o.keyStr} ${o.identifiers.map((i) => i.traceId).sort().join(',')} ${o.tree.size}`).sort();
  return { objects, fetched: result.fetched, warnings: result.warnings };
}

describe('children fetched in one call per parent', () => {
  const ranges: [string, Range][] = [
    ['all windows', rangeOf(W * 1000, W * 1000 + 3 * ttlUs)],
    ['the last window', rangeOf(W * 1000 + 2 * ttlUs, W * 1000 + 3 * ttlUs)],
    // Starts after the ReplicaSets' and Pods' spans of window 1 (minutes 8–10), ends inside window 2.
    ['a slice across windows 1 and 2', rangeOf(W * 1000 + ttlUs + 20 * 60e6, W * 1000 + 2 * ttlUs + 9 * 60e6)],
  ];
  for (const [name, r] of ranges) {
    it(`finds the same objects and traces as one call per child: ${name}`, async () => {
      const one = new MemoryBackend(b.spans);
      const batched = new MemoryBackend(b.spans);
      const want = await family(one, r, false);
      const got = await family(batched, r, true);
      expect(got).toEqual(want);
      expect(got.objects.length).toBeGreaterThan(1);
      expect(batched.lists).toBeLessThan(one.lists / 2);
    });
  }

  it('falls back to one call per child when the batch may have been cut short', async () => {
    const r = ranges[0]![1];
    const want = await family(new MemoryBackend(b.spans), r, false);
    // A backend that returns at most 5 traces per list: every batch is possibly incomplete.
    const small = new MemoryBackend(b.spans, 5);
    expect(await listChildren(small, { cluster: 'c', group: 'apps', resource: 'deployments', namespace: 'ns', name: 'd' }, r, new AbortController().signal)).toBeUndefined();
    expect(await family(small, r, true)).toEqual(want);
  });
});
