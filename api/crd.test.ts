/** The checked-in CRD must be exactly what the TypeScript API generates, and must be a structural schema. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CRD_FILE, buildCrd, crdYaml, type JsonSchema } from './crd.ts';
import { REFERENCE_FILE, referenceMarkdown } from './reference.ts';
import { parseSpec } from './types.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function walk(node: JsonSchema, path: string, visit: (n: JsonSchema, p: string) => void): void {
  visit(node, path);
  for (const [k, v] of Object.entries((node.properties as Record<string, JsonSchema>) ?? {})) walk(v, `${path}.${k}`, visit);
  if (node.items) walk(node.items as JsonSchema, `${path}[]`, visit);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') walk(node.additionalProperties as JsonSchema, `${path}{}`, visit);
}

const schema = () => ((buildCrd().spec as { versions: { schema: { openAPIV3Schema: JsonSchema } }[] }).versions[0]!.schema.openAPIV3Schema);

describe('KelemetryInstance CRD', () => {
  it(`${CRD_FILE} is up to date (regenerate: npx tsx api/generate.ts)`, () => {
    expect(readFileSync(join(root, CRD_FILE), 'utf8')).toBe(crdYaml());
  });

  it(`${REFERENCE_FILE} is up to date (regenerate: npx tsx api/generate.ts)`, () => {
    const doc = readFileSync(join(root, REFERENCE_FILE), 'utf8');
    expect(doc).toBe(referenceMarkdown());
    expect(doc).toContain('| `spec.version` | string |');
    expect(doc).toContain('`spec.storage.caches.span.backend`');
  });

  it('is structural: every node has a type (or is int-or-string), no unions, no JSON-Schema-only keywords', () => {
    walk(schema(), '', (n, p) => {
      if (!n['x-kubernetes-int-or-string']) expect(n.type, p).toBeTruthy();
      for (const bad of ['anyOf', 'oneOf', 'allOf', '$schema', 'propertyNames', 'const']) expect(n[bad], `${p}.${bad}`).toBeUndefined();
      if (n.exclusiveMinimum !== undefined) expect(typeof n.exclusiveMinimum, p).toBe('boolean');
    });
  });

  it('lists are bounded so CEL cost estimation passes', () => {
    walk(schema(), '', (n, p) => {
      if (n.type === 'array' && p.startsWith('.spec')) expect(n.maxItems, p).toBeTypeOf('number');
    });
  });

  it('carries defaults so the API server fills them (no perpetual diffs in GitOps)', () => {
    const spec = (schema().properties as Record<string, JsonSchema>).spec!;
    const props = spec.properties as Record<string, JsonSchema>;
    // Object defaults spell out their nested defaults: the API server checks them against CEL as written.
    expect(props.audit!.default).toMatchObject({ replicas: 3, workers: 8, tls: { enabled: true }, auth: { mode: 'Token' } });
    expect((props.audit!.properties as Record<string, JsonSchema>).replicas!.default).toBe(3);
    expect((props.storage!.properties as Record<string, JsonSchema>).jaeger!.default).toMatchObject({ managed: { collectorReplicas: 1, storage: { size: '1Gi', ephemeral: false } } });
  });

  it('has CEL rules for the cross-field checks', () => {
    const rules: string[] = [];
    walk(schema(), '', (n) => {
      for (const v of (n['x-kubernetes-validations'] as { rule: string }[]) ?? []) rules.push(v.rule);
    });
    expect(rules.length).toBeGreaterThanOrEqual(10);
    expect(rules).toContain('has(self.managed) != has(self.external)');
  });

  it('has the printer columns READY, VERSION, CLUSTERS, AGE and the status subresource', () => {
    const v = (buildCrd().spec as { versions: { additionalPrinterColumns: { name: string; priority?: number }[]; subresources: unknown }[] }).versions[0]!;
    expect(v.additionalPrinterColumns.filter((c) => !c.priority).map((c) => c.name.toUpperCase())).toEqual(['READY', 'VERSION', 'CLUSTERS', 'AGE']);
    expect(v.subresources).toEqual({ status: {} });
  });
});

describe('parseSpec (the CEL rules, in TypeScript, for synth)', () => {
  const base = { version: '0.1.0', clusters: [{ name: 'a' }] };
  it('applies defaults', () => {
    const s = parseSpec(base);
    expect(s.audit.replicas).toBe(3);
    expect(s.storage.etcd.managed?.replicas).toBe(3);
    expect(s.storage.caches.span).toEqual({ backend: 'etcd', prefix: '/span/' });
  });
  it.each([
    [{ ...base, clusters: [{ name: 'a' }, { name: 'a' }] }, 'duplicate cluster name "a"'],
    [{ ...base, clusters: [{ name: 'a', kubeconfig: { source: 'Secret' } }] }, 'secretRef is required'],
    [{ ...base, currentCluster: 'b' }, 'currentCluster must name one of spec.clusters'],
    [{ ...base, storage: { etcd: { managed: {}, external: { endpoints: ['http://x:2379'] } } } }, 'exactly one of managed or external'],
    [{ ...base, storage: { caches: { trace: { backend: 'redis' } } } }, 'storage.redis.external is required'],
    [{ ...base, audit: { tls: { enabled: false }, auth: { mode: 'ClientCertificate', clientCaSecretRef: { name: 'ca' } } } }, 'auth.mode ClientCertificate needs tls.enabled'],
    [{ ...base, informers: { replicas: 1, diff: { leaders: 2 } } }, 'diff.leaders cannot exceed replicas'],
    [{ ...base, storage: { caches: { span: { backend: 'memory' } } } }, 'memory caches live in one process'],
    [{ ...base, clusters: [{ name: 'Bad_Name' }] }, 'spec.clusters.0.name'],
    [{ ...base, audit: { service: { nodePort: 30080 } } }, 'spec.audit.service: nodePort needs type NodePort or LoadBalancer'],
    [{ ...base, frontend: { service: { nodePort: 30686 } } }, 'spec.frontend.service: nodePort needs type NodePort or LoadBalancer'],
  ])('refuses %j', (spec, message) => {
    expect(() => parseSpec(spec)).toThrow(message);
  });
});
