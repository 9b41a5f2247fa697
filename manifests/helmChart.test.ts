import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HELM_CHART_DIR, helmChartFiles, readPackage } from './helmChart.ts';
import { SENTINEL, splitByWatch, toTemplate, type Obj } from './helmTemplates.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chartDir = join(root, HELM_CHART_DIR);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

const rb = (ns: string, extra: Record<string, unknown> = {}): Obj => ({ kind: 'RoleBinding', metadata: { name: 'x', namespace: ns }, ...extra });

describe(HELM_CHART_DIR, () => {
  const expected = helmChartFiles(readPackage(root));

  it('is what the generator produces (run `npm run generate` after changing the install)', () => {
    const actual = new Map(filesUnder(chartDir).map((f) => [relative(chartDir, f), readFileSync(f, 'utf8')]));
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, text] of expected) expect(actual.get(path), path).toBe(text);
  });

  it('takes version and appVersion from package.json, and ships the CRD in crds/ without templating', () => {
    const pkg = readPackage(root);
    expect(parse(expected.get('Chart.yaml')!)).toMatchObject({ apiVersion: 'v2', name: 'kelemetry-operator', version: pkg.version, appVersion: pkg.version });
    const crds = [...expected.keys()].filter((p) => p.startsWith('crds/'));
    expect(crds).toEqual(['crds/kelemetryinstances.kelemetry.io.yaml']);
    expect(expected.get(crds[0]!)).not.toContain('{{');
    expect([...expected.values()].join('\n')).not.toContain('kind: Namespace');
  });
});

describe('chart templating', () => {
  it('refuses an object that depends on the watched namespaces in a way it cannot template', () => {
    const one = [{ kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: SENTINEL.watch, b: 'one' } }];
    const all = [{ kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '*', b: 'all' } }];
    expect(() => splitByWatch(one, all)).toThrow(/ConfigMap\/\/c depends on the watched namespaces/);
  });

  it('splits objects into common, per watched namespace and for every namespace', () => {
    const split = splitByWatch([rb(SENTINEL.watch), rb('other')], [{ kind: 'ClusterRoleBinding', metadata: { name: 'x' } }, rb('other')]);
    expect(split.perNamespace.map((o) => o.metadata.namespace)).toEqual([SENTINEL.watch]);
    expect(split.allNamespaces.map((o) => o.kind)).toEqual(['ClusterRoleBinding']);
    expect(split.common).toHaveLength(1);
  });

  it('expands a watched namespace as a whole list element into one element per namespace', () => {
    const text = toTemplate([{ kind: 'X', metadata: { name: 'x' }, values: [SENTINEL.watch], arg: `--ns=${SENTINEL.watch}` }], { scalar: 'J', list: 'L' });
    expect(text).toContain('values:\n  {{- range $w := L }}\n  - {{ $w | quote }}\n  {{- end }}');
    expect(text).toContain('arg: --ns={{ J }}');
  });
});
