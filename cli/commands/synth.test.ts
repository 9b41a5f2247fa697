import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { run } from './synth.ts';

function capture(): { text: () => string } {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  return { text: () => out };
}

afterEach(() => vi.restoreAllMocks());

describe('kelemetry synth', () => {
  it('prints every object of an instance file as YAML, without owner references', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-'));
    const file = join(dir, 'instance.yaml');
    writeFileSync(file, 'apiVersion: kelemetry.io/v1alpha1\nkind: KelemetryInstance\nmetadata: { name: k, namespace: ns, uid: abc }\nspec: { version: 0.1.0, clusters: [{ name: c1 }] }\n');
    const out = capture();
    expect(await run(['-f', file])).toBe(0);
    const docs = parseAllDocuments(out.text()).map((d) => d.toJS() as { kind: string; metadata: { ownerReferences?: unknown } });
    expect(docs.map((d) => d.kind)).toContain('Deployment');
    expect(docs.every((d) => d.metadata.ownerReferences === undefined)).toBe(true);
  });

  it('prints the operator install with its Namespace first, then the CRD', async () => {
    const out = capture();
    expect(await run(['--operator', '--namespace', 'tracing', '--watch-namespaces', 'team-a,team-b'])).toBe(0);
    const docs = parseAllDocuments(out.text()).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } });
    expect(docs.map((d) => d.kind).slice(0, 2)).toEqual(['Namespace', 'CustomResourceDefinition']);
    expect(docs[0]!.metadata).toMatchObject({ name: 'tracing', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
    expect(docs.map((d) => d.kind)).toContain('Deployment');
    expect(docs.filter((d) => d.kind === 'RoleBinding' && d.metadata.name === 'kelemetry-operator-namespaced').map((d) => d.metadata.namespace)).toEqual(['team-a', 'team-b']);
  });

  it('names the bad field of an invalid instance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'apiVersion: kelemetry.io/v1alpha1\nkind: KelemetryInstance\nmetadata: { name: k }\nspec: { version: 0.1.0, clusters: [{ name: c1 }], currentCluster: c2 }\n');
    await expect(run(['-f', file])).rejects.toThrow('spec.currentCluster: currentCluster must name one of spec.clusters');
  });
});
