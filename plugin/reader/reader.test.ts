import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { nullLogger } from '../../runtime/util/log.ts';
import { PluginMetrics } from '../metrics.ts';
import type { Span } from '../model/span.ts';
import { loadDisplayModes } from '../modes/registry.ts';
import { deploymentFamily, KelemetrySpanBuilder } from '../testing/kelemetrySpans.ts';
import { MemoryBackend } from '../testing/memoryBackend.ts';
import { MemoryTraceCache } from '../tracecache/memory.ts';
import { Reader } from './reader.ts';
import { RenderMemo } from './renderMemo.ts';

const W = Date.parse('2025-01-02T10:00:00Z');
const b = new KelemetrySpanBuilder();
const fam = deploymentFamily(b, { cluster: 'c1', namespace: 'ns', name: 'demo', firstWindowMs: W, windows: 2, replicaSets: 2, podsPerReplicaSet: 2 });

function setup(memoTtl = 0) {
  const backend = new MemoryBackend(b.spans);
  const reader = new Reader({
    backend,
    cache: new MemoryTraceCache({ ttl: 60_000 }),
    memo: new RenderMemo(memoTtl, 10_000),
    modes: loadDisplayModes(),
    metrics: new PluginMetrics(new Registry()),
    logger: nullLogger,
    spanTtlMs: 30 * 60_000,
    followLinks: { inList: true, concurrency: 4, limit: 100, maxDepth: 10, timeoutMs: 5000 },
  });
  return { backend, reader };
}

const range = { startUs: (W - 60_000) * 1000, endUs: (W + 60 * 60_000) * 1000 };
const tag = (s: Span, k: string) => s.tags.get(k);
const rootOf = (spans: Span[]) => spans.filter((s) => !s.parentId);
const childrenOf = (spans: Span[], s: Span) => spans.filter((c) => c.parentId === s.spanId);

describe('reader', () => {
  it('merges all windows of the searched object into one trace in the default mode', async () => {
    const { reader } = setup();
    const found = await reader.findTraces({ service: 'tracing', operation: 'c1', attributes: { resource: 'deployments', name: 'demo' }, ...range, limit: 0 });
    expect(found).toHaveLength(1);
    const spans = found[0]!.spans;
    expect(spans).toHaveLength(1);
    expect(found[0]!.traceId).toMatch(/^ff20000000e1e3e7[0-9a-f]{16}$/);
    expect(spans.every((s) => s.traceId === found[0]!.traceId)).toBe(true);
    const audits = spans[0]!.logs.map((l) => l.fields.get('audit'));
    expect(audits).toContain('kubectl-user delete');
    expect(audits).toContain('kwok-admin update status');
  });

  it('re-renders the same search in tracing [full tree] from the trace ID', async () => {
    const { reader } = setup();
    const [found] = await reader.findTraces({ service: 'tracing', operation: 'c1', attributes: { resource: 'deployments', name: 'demo' }, ...range, limit: 0 });
    const full = await reader.getTrace(`ff21000000${found!.traceId.slice(10)}`);
    expect(full).toBeDefined();
    const spans = full!.spans;
    const [root] = rootOf(spans);
    expect(rootOf(spans)).toHaveLength(1);
    expect([tag(root!, 'resource'), tag(root!, 'name')]).toEqual(['deployments', 'demo']);
    const rs = childrenOf(spans, root!);
    expect(rs.map((s) => tag(s, 'name')).sort()).toEqual(fam.replicaSets.map((r) => r.name).sort());
    expect(childrenOf(spans, rs[0]!)).toHaveLength(2);
    expect(spans).toHaveLength(1 + 2 + 4);
    expect(spans.every((s) => ![...s.tags.keys()].some((k) => k.startsWith('zzz-')))).toBe(true);
    expect(root!.name).toMatch(/^ns demo \/ \d\d:\d\d:\d\d\.\.\d\d:\d\d:\d\d$/);
    expect(root!.service).toBe('c1 deployments');
  });

  it('ancestors: a ReplicaSet search shows its Deployment as root with only that ReplicaSet', async () => {
    const { reader } = setup();
    const rs = fam.replicaSets[1]!;
    const [found] = await reader.findTraces({ service: 'tracing [ancestors]', operation: 'c1', attributes: { resource: 'replicasets', name: rs.name }, ...range, limit: 0 });
    const spans = found!.spans;
    const [root] = rootOf(spans);
    expect(tag(root!, 'name')).toBe('demo');
    expect(childrenOf(spans, root!).map((s) => tag(s, 'name'))).toEqual([rs.name]);
    expect(spans).toHaveLength(2);
  });

  it('serves the follow-up GetTraces from the render memo without reading storage again', async () => {
    const { reader, backend } = setup(60_000);
    const [found] = await reader.findTraces({ service: 'tracing [full tree]', operation: '', attributes: { resource: 'deployments', name: 'demo' }, ...range, limit: 0 });
    const lists = backend.lists;
    const again = await reader.getTrace(found!.traceId);
    expect(backend.lists).toBe(lists);
    expect(backend.gets).toBe(0);
    expect(again!.spans).toHaveLength(found!.spans.length);
  });

  it('rejects unknown modes, answers nothing for unknown IDs', async () => {
    const { reader } = setup();
    await expect(reader.findTraces({ service: 'nope', operation: '', attributes: {}, ...range, limit: 0 })).rejects.toThrow(/invalid display mode "nope"/);
    expect(await reader.getTrace('0123456789abcdef0123456789abcdef')).toBeUndefined();
    expect(await reader.getTrace('ff20000000e1e3e70123456789abcdef')).toBeUndefined();
    await expect(reader.getTrace('ff77000000e1e3e70123456789abcdef')).rejects.toThrow(/display mode 77000000 does not exist/);
  });

  it('grouped mode puts audit logs into an audit child span; tree mode keeps real spans', async () => {
    const { reader } = setup();
    const [grouped] = await reader.findTraces({ service: 'grouped', operation: '', attributes: { resource: 'deployments', name: 'demo' }, ...range, limit: 0 });
    expect(grouped!.spans.map((s) => s.service).sort()).toEqual(['audit', 'c1 deployments']);
    const [tree] = await reader.findTraces({ service: 'tree', operation: '', attributes: { resource: 'deployments', name: 'demo' }, ...range, limit: 0 });
    expect(tree!.spans.filter((s) => s.service === 'audit').length).toBeGreaterThan(3);
  });
});
