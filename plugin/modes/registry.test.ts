import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { buildDisplayModes, loadDisplayModes } from './registry.ts';
import { modeFileSchema } from './schema.ts';

describe('display modes', () => {
  const modes = loadDisplayModes();

  it('has the 16 upstream modes with their ids, tracing first', () => {
    expect(modes.all).toHaveLength(16);
    expect(modes.names()[0]).toBe('tracing');
    const ids = Object.fromEntries(modes.all.map((m) => [m.name, m.idHex]));
    expect(ids).toMatchObject({
      tree: '00000000',
      timeline: '10000000',
      tracing: '20000000',
      grouped: '30000000',
      'tracing [full tree]': '21000000',
      'tracing [ancestors]': '22000000',
      'tracing [owned objects]': '24000000',
      'grouped [full tree]': '31000000',
      'tree [owned objects]': '04000000',
    });
    expect(modes.byId(0x21000000)!.name).toBe('tracing [full tree]');
    expect(modes.byName('* tracing [ancestors]')!.id).toBe(0x22000000);
  });

  it('follows no links in base modes and applies one link selector per class', () => {
    const key = { cluster: 'c', group: 'apps', resource: 'deployments', namespace: 'n', name: 'd' };
    expect(modes.byName('tracing')!.linkSelector.admit(key, key, true, 'children')).toBeNull();
    expect(modes.byName('tracing [full tree]')!.linkSelector.admit(key, key, true, 'children')).not.toBeNull();
    expect(modes.all.every((m) => m.modifierNames.length <= 1)).toBe(true);
  });

  it('follows parent-link annotation links (class "") exactly as owner references in every family', () => {
    const parent = { cluster: 'c', group: 'apps', resource: 'deployments', namespace: 'n', name: 'd' };
    const child = { ...parent, resource: 'configmaps', name: 'cm' };
    const follows = (mode: string, downwards: boolean, linkClass: string) => modes.byName(mode)!.linkSelector.admit(parent, child, downwards, linkClass) !== null;
    for (const linkClass of ['children', '']) {
      expect(follows('tracing [full tree]', true, linkClass) && follows('tracing [full tree]', false, linkClass), linkClass).toBe(true);
      expect([follows('tracing [ancestors]', false, linkClass), follows('tracing [ancestors]', true, linkClass)], linkClass).toEqual([true, false]);
      expect([follows('tracing [owned objects]', true, linkClass), follows('tracing [owned objects]', false, linkClass)], linkClass).toEqual([true, false]);
    }
    expect(follows('tracing [ancestors]', false, 'other')).toBe(false);
  });

  it('expands batches into steps', () => {
    expect(modes.byName('tracing')!.steps.map((s) => s.kind)).toEqual([
      'PruneChildlessVisitor', 'ReplaceNameVisitor', 'ObjectTagsVisitor', 'ServiceOperationReplaceVisitor', 'ServiceOperationReplaceVisitor',
      'CollapseNestingVisitor', 'ExtractNestingVisitor', 'CompactDurationVisitor', 'ClusterNameVisitor', 'PruneTagsVisitor',
    ]);
  });

  it('rejects a file with errors, naming the field', () => {
    expect(() => buildDisplayModes({ defaultConfig: '1', configs: [{ id: '2', name: 'x', steps: [] }] }, 'mine.yaml')).toThrow(/mine.yaml: defaultConfig: no config has id 1/);
    expect(() => buildDisplayModes({ defaultConfig: '1', configs: [{ id: '1', name: 'x', steps: [{ kind: 'Batch', batchName: 'nope' }] }] })).toThrow(/unknown batch "nope"/);
    expect(() => buildDisplayModes({ defaultConfig: '1', configs: [{ id: '1', name: 'x', steps: [{ kind: 'Bogus' }] }] })).toThrow(/configs.0.steps.0/);
  });

  it('accepts a user file with its own modes', () => {
    const mine = buildDisplayModes({
      defaultConfig: 'a0',
      configs: [{ id: 'a0', name: 'flat', steps: [{ kind: 'PruneTagsVisitor' }] }],
      modifiers: { '1': { priority: 0, displayName: 'up', modifierName: 'link-selector', args: { modifierClass: 'x', upwardDistance: 1 } } },
    });
    expect(mine.names()).toEqual(['flat', 'flat [up]']);
    expect(mine.byName('flat [up]')!.idHex).toBe('000000a1');
  });
});

describe("the original's display-mode file shape", () => {
  it('loads: `fields` diff paths, modifiers without priority, extension modifiers', () => {
    const modes = loadDisplayModes(new URL('./testdata/original-shape.yaml', import.meta.url).pathname);
    // Priorities 0 (omitted) then 1; one modifier per class, so no "full tree+ancestors"; the extension combines with either.
    expect(modes.names()).toEqual([
      'tracing', 'tracing [full tree]', 'tracing [apiserver trace]', 'tracing [apiserver trace+full tree]', 'tracing [ancestors]', 'tracing [ancestors+apiserver trace]',
    ]);
    expect(modes.byName('tracing [ancestors]')!.idHex).toBe('22000000');
    expect(modes.byName('tracing [ancestors+apiserver trace]')!.idHex).toBe('22000001');
    expect(modes.byName('tracing [ancestors]')!.extensions).toEqual([]);
    const [ext] = modes.byName('tracing [apiserver trace+full tree]')!.extensions;
    expect(ext).toMatchObject({ name: 'apiserver trace', rawConfig: { kind: 'JaegerStorage', service: 'apiserver' }, provider: { kind: 'JaegerStorage', totalTimeoutMs: 15_000 } });
  });

  it('rejects a bad extension modifier, naming it and the field', () => {
    const file = (args: unknown) => ({
      defaultConfig: '1',
      configs: [{ id: '1', name: 'x', steps: [] }],
      modifiers: { '2': { displayName: 'ext', modifierName: 'extension', args } },
    });
    expect(() => buildDisplayModes(file({ kind: 'Nope' }))).toThrow(/modifier ext: unknown extension kind "Nope"/);
    expect(() => buildDisplayModes(file({ kind: 'HTTPTrace', traceBackends: [] }))).toThrow(/modifier ext: traceBackends: /);
    expect(() => buildDisplayModes(file({ kind: 'JaegerStorage', tagTemplates: { a: '{{if .x}}' } }))).toThrow(/modifier ext: tagTemplates "a": unsupported template action/);
    expect(() => buildDisplayModes(file({ kind: 'JaegerStorage', totalTimeout: 'soon' }))).toThrow(/modifier ext: totalTimeout: invalid duration/);
  });

  it('reads `fields` of a diff class as its paths', () => {
    const file = modeFileSchema.parse(parse(readFileSync(new URL('./testdata/original-shape.yaml', import.meta.url), 'utf8')));
    const collapse = file.configs[0]!.steps[1]!;
    expect(collapse.kind === 'CollapseNestingVisitor' && collapse.auditDiffClasses.fields[0]!.paths).toEqual(['metadata.resourceVersion', 'metadata.generation']);
  });
});
