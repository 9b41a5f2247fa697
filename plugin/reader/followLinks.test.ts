import { describe, expect, it } from 'vitest';
import { keyString } from '../../runtime/model/objectKey.ts';
import { followNothing, applyLinkSelectorModifier } from '../transform/linkSelector.ts';
import { deploymentFamily, KelemetrySpanBuilder } from '../testing/kelemetrySpans.ts';
import { MemoryBackend } from '../testing/memoryBackend.ts';
import { followLinks } from './followLinks.ts';
import { mergeTraces } from './mergeTraces.ts';
import { ObjectSet } from './objects.ts';

const W = Date.parse('2025-01-02T10:00:00Z');
const b = new KelemetrySpanBuilder();
const fam = deploymentFamily(b, { cluster: 'c', namespace: 'ns', name: 'd', firstWindowMs: W, windows: 1, replicaSets: 3, podsPerReplicaSet: 3 });
const backend = new MemoryBackend(b.spans);
const range = { startUs: W * 1000, endUs: (W + 30 * 60_000) * 1000 };
const fullTree = applyLinkSelectorModifier(followNothing, { modifierClass: 'o', upwardDistance: 3, downwardDistance: 3 });

async function start() {
  const set = new ObjectSet();
  set.addTraces(await backend.list({ tags: { resource: 'deployments', name: 'd' }, ...range, limit: 0 }));
  return set;
}
const lister = (delayMs = 0) => async (key: Parameters<typeof keyString>[0], signal: AbortSignal) => {
  if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
  if (signal.aborted) throw new Error('aborted');
  return backend.list({ tags: { cluster: key.cluster, group: key.group, resource: key.resource, namespace: key.namespace, name: key.name }, ...range, limit: 0 });
};

describe('follow links', () => {
  it('fetches the whole family within the limit and merges it into one tree', async () => {
    const set = await start();
    const r = await followLinks(set, { selector: fullTree, lister: lister(), concurrency: 3, limit: 100, limitIsGlobal: false, maxDepth: 10, timeoutMs: 5000 });
    expect(r.fetched).toBe(3 + 9);
    expect(r.warnings).toEqual([]);
    const merged = mergeTraces(set, () => Math.random().toString(16).slice(2, 18).padEnd(16, '0'));
    expect(merged).toHaveLength(1);
    expect(merged[0]!.objects).toHaveLength(13);
  });
  it('stops at the limit and at the depth, with warnings', async () => {
    const limited = await followLinks(await start(), { selector: fullTree, lister: lister(), concurrency: 2, limit: 4, limitIsGlobal: true, maxDepth: 10, timeoutMs: 5000 });
    expect(limited.fetched).toBe(4);
    expect(limited.warnings.join()).toMatch(/link limit 4 reached/);
    const shallow = await followLinks(await start(), { selector: fullTree, lister: lister(), concurrency: 2, limit: 100, limitIsGlobal: true, maxDepth: 1, timeoutMs: 5000 });
    expect(shallow.fetched).toBe(3);
    expect(shallow.warnings.join()).toMatch(/link depth 1 reached: 9/);
  });
  it('gives up after the total time and keeps what it fetched', async () => {
    const set = await start();
    const r = await followLinks(set, { selector: fullTree, lister: lister(150), concurrency: 3, limit: 100, limitIsGlobal: true, maxDepth: 10, timeoutMs: 100 });
    expect(r.warnings.join()).toMatch(/stopped after 0.1s/);
    expect(set.objects.size).toBeLessThan(13);
    expect(set.has(fam.deployment)).toBe(true);
  });
});
