import { deploymentFamily, KelemetrySpanBuilder } from '../../../plugin/testing/kelemetrySpans.ts';
import { windowStartMs } from '../../../runtime/model/window.ts';
import { SpanTree } from '../../../plugin/model/tree.ts';
import { cloneSpan } from '../../../plugin/model/span.ts';
import { ObjectSet } from '../../../plugin/reader/objects.ts';
import { mergeTraces } from '../../../plugin/reader/mergeTraces.ts';
import { clipToRange } from '../../../plugin/reader/timeClip.ts';
import { loadDisplayModes } from '../../../plugin/modes/registry.ts';
import { transform } from '../../../plugin/transform/transformer.ts';
import { randomSpanId } from '../../../plugin/model/ids.ts';
import { chunkTrace } from '../../../plugin/server/chunking.ts';

const rs = Number(process.argv[2] ?? 10);
const ttl = 30 * 60_000;
const first = windowStartMs(Date.now()) - 3 * ttl;
const b = new KelemetrySpanBuilder();
deploymentFamily(b, { cluster: 'bench', namespace: 'default', name: 'demo', firstWindowMs: first, windows: 4, replicaSets: rs, podsPerReplicaSet: 20 });
const modes = loadDisplayModes();
const mode = modes.byId(0x21000000)!;
const byTrace = new Map<string, typeof b.spans>();
for (const s of b.spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
const t = { trees: 0, merge: 0, render: 0, chunk: 0 };
for (let i = 0; i < 30; i++) {
  let t0 = performance.now();
  const thumbs = [...byTrace].map(([traceId, spans]) => { const tree = SpanTree.fromSpans(spans.map(cloneSpan)).tree; return { identifier: { traceId, spanId: tree.rootId }, tree }; });
  const set = new ObjectSet(); set.addTraces(thumbs);
  let t1 = performance.now(); if (i >= 10) t.trees += t1 - t0; t0 = t1;
  const merged = mergeTraces(set, randomSpanId);
  clipToRange(merged[0]!.tree, first * 1000, (first + 4 * ttl) * 1000);
  t1 = performance.now(); if (i >= 10) t.merge += t1 - t0; t0 = t1;
  const tree = merged[0]!.tree.clone();
  await transform(tree, mode, { startUs: first * 1000, endUs: (first + 4 * ttl) * 1000, newSpanId: randomSpanId });
  t1 = performance.now(); if (i >= 10) t.render += t1 - t0; t0 = t1;
  chunkTrace(tree.all(), 1000, 2 * 1024 * 1024);
  t1 = performance.now(); if (i >= 10) t.chunk += t1 - t0; t0 = t1;
  if (i === 0) console.log(`merged ${merged.length} trees, ${merged[0]!.tree.size} spans → rendered ${tree.size}`);
}
console.log(Object.entries(t).map(([k, v]) => `${k} ${(v / 20).toFixed(1)} ms`).join(', '));
