import { describe, expect, it } from 'vitest';
import { nullLogger } from '../../runtime/util/log.ts';
import { buildDisplayModes } from '../modes/registry.ts';
import { transform } from '../transform/transformer.ts';
import { mkSpan, mkTree, objectTags, shape, testContext } from '../transform/testing.ts';
import type { ExtensionRecord } from '../tracecache/types.ts';
import { attachSpans } from './attach.ts';
import { ExtensionMetrics } from './metrics.ts';
import { runExtensions } from './runner.ts';
import type { Extension, ExtensionProvider, FetchQuery } from './types.ts';

/** A provider answering one span named `found <name>` per object, and reloading `loaded <identifier>`. */
function fakeExtension(config: Record<string, unknown> = { kind: 'Fake', x: 1 }): Extension & { calls: string[] } {
  const calls: string[] = [];
  const provider: ExtensionProvider = {
    kind: 'Fake',
    maxConcurrency: 2,
    totalTimeoutMs: 1000,
    async fetchForObject(q: FetchQuery) {
      calls.push(`object ${q.object.name}`);
      return { identifier: { name: q.object.name }, spans: [mkSpan({ id: `e${q.object.name}`, name: `found ${q.object.name}` })] };
    },
    async fetchForVersion() {
      return undefined;
    },
    async loadCache(identifier) {
      calls.push(`load ${JSON.stringify(identifier)}`);
      return [mkSpan({ id: 'ee', name: `loaded ${(identifier as { name: string }).name}` })];
    },
    close() {},
  };
  return { name: 'fake', modifierClass: '', rawConfig: config, provider, metrics: new ExtensionMetrics('fake', 'Fake'), logger: nullLogger, calls };
}

describe('attaching extension spans', () => {
  it('keeps their structure, hangs roots, orphans and cycles under the parent, and adds a span once', () => {
    const tree = mkTree({ id: '1', name: 'obj' });
    const spans = [
      mkSpan({ id: 'b', parent: 'a', name: 'b' }),
      mkSpan({ id: 'a', name: 'a' }),
      mkSpan({ id: 'c', parent: 'ff', name: 'orphan' }),
      mkSpan({ id: 'd', parent: 'e', name: 'd' }),
      mkSpan({ id: 'e', parent: 'd', name: 'e' }),
      mkSpan({ id: 'a', name: 'a again' }),
    ];
    for (const s of spans) s.traceId = 'b'.repeat(32);
    expect(attachSpans(tree, tree.rootId, spans)).toBe(5);
    expect(shape(tree)).toBe('obj(a(b),d(e),orphan)');
    expect(tree.all().every((s) => s.traceId === 'a'.repeat(32))).toBe(true);
    expect(attachSpans(tree, tree.rootId, [mkSpan({ id: 'a', name: 'dup' })])).toBe(0);
    expect(attachSpans(tree, 'missing', spans)).toBe(0);
  });
});

describe('running extensions', () => {
  const family = () => mkTree({ id: '1', name: 'deploy', tags: objectTags('deployments', 'd') }, { id: '2', parent: '1', name: 'rs', tags: objectTags('replicasets', 'r') });

  it('records what it found and replays it from the records', async () => {
    const ext = fakeExtension();
    const tree = family();
    const records = await runExtensions(tree, [ext], { startUs: 0, endUs: 1 });
    expect(shape(tree)).toBe('deploy(found d,rs(found r))');
    expect(records.map((r) => [r.parentSpanId, r.identifier])).toEqual([['0000000000000001', { name: 'd' }], ['0000000000000002', { name: 'r' }]]);

    // Replay: the records of a span no longer shown are dropped; a record of another config is not this provider's.
    ext.calls.length = 0;
    const replay: ExtensionRecord[] = [records[1]!, { ...records[0]!, parentSpanId: '00000000000000aa' }, { ...records[0]!, providerConfig: { kind: 'Fake', x: 2 } }];
    const again = family();
    expect(await runExtensions(again, [ext], { startUs: 0, endUs: 1, replay })).toEqual([records[1]]);
    expect(ext.calls).toEqual(['load {"name":"r"}']);
    expect(shape(again)).toBe('deploy(rs(loaded r))');

    // A provider with no records of its own searches again.
    const other = fakeExtension({ kind: 'Fake', x: 3 });
    await runExtensions(family(), [other], { startUs: 0, endUs: 1, replay });
    expect(other.calls.sort()).toEqual(['object d', 'object r']);
  });

  it('adds extension spans before the display mode steps run', async () => {
    const modes = buildDisplayModes({ defaultConfig: '1', configs: [{ id: '1', name: 'x', steps: [{ kind: 'PruneChildlessVisitor' }] }] });
    const mode = { ...modes.defaultMode, extensions: [fakeExtension()] };
    const tree = family();
    const records = await transform(tree, mode, testContext());
    // Without the extension, PruneChildless would delete the childless rs object span.
    expect(shape(tree)).toBe('deploy(found d,rs(found r))');
    expect(records).toHaveLength(2);
  });
});
