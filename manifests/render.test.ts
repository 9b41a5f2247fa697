/**
 * Golden files of rendered output (manifests/testdata/<case>.input.yaml → <case>.golden.yaml). After an
 * intended change, regenerate with `UPDATE_GOLDEN=1 npx vitest run --project unit manifests/` and review the diff.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInstance } from '../api/types.ts';
import { parseConfig } from '../runtime/config/load.ts';
import { renderInstance } from './instance.ts';
import { INSTANCE_LABEL } from './naming.ts';
import { renderOperatorInstall } from './operatorInstall.ts';
import { toYaml } from './yaml.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const cases = readdirSync(dir).filter((f) => f.endsWith('.input.yaml')).map((f) => f.replace('.input.yaml', ''));
const update = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: string): void {
  const file = join(dir, `${name}.golden.yaml`);
  if (update) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const load = (name: string) => parseInstance(parse(readFileSync(join(dir, `${name}.input.yaml`), 'utf8')), name);
type O = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; ownerReferences?: unknown[] }; spec?: Record<string, unknown>; data?: Record<string, string> };

describe('renderInstance', () => {
  it.each(cases)('%s matches its golden file', (name) => {
    golden(name, toYaml(renderInstance(load(name)).objects));
  });

  it.each(cases)('%s: every runtime config in the ConfigMap passes the runtime parseConfig', (name) => {
    const objects = renderInstance(load(name)).objects as O[];
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-config'))!;
    expect(Object.keys(cm.data!).sort()).toEqual(['consumer.yaml', 'frontend.yaml', 'informers.yaml']);
    for (const [key, text] of Object.entries(cm.data!)) {
      const cfg = parseConfig(parse(text), `${name}/${key}`);
      expect(cfg.clusters.length).toBeGreaterThan(0);
      expect(cfg.tracer?.otlpEndpoint).toBeTruthy();
    }
  });

  it('is deterministic and renders a fresh tree per call', () => {
    const inst = load('minimal');
    expect(toYaml(renderInstance(inst).objects)).toBe(toYaml(renderInstance(inst).objects));
  });

  it('labels every object with the instance and owns every namespaced one when the instance has a uid', () => {
    const objects = renderInstance(load('external')).objects as O[];
    for (const o of objects) {
      expect(o.metadata.labels?.[INSTANCE_LABEL], `${o.kind}/${o.metadata.name}`).toBe('tracing');
      expect(o.metadata.labels?.['app.kubernetes.io/instance'], 'Argo CD tracking label must not be copied').toBeUndefined();
      if (o.metadata.namespace) expect(o.metadata.ownerReferences, `${o.kind}/${o.metadata.name}`).toHaveLength(1);
      else expect(o.kind).toMatch(/^Cluster/);
    }
  });

  it('renders PodDisruptionBudgets exactly for workloads with more than one replica', () => {
    const objects = renderInstance(load('minimal')).objects as O[];
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name).sort();
    expect(pdbs).toEqual(['kelemetry-consumer', 'kelemetry-etcd', 'kelemetry-frontend', 'kelemetry-informers']);
    const small = renderInstance(load('ephemeral')).objects as O[];
    expect(small.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  it('renders no managed stores when the stores are external', () => {
    const kinds = (renderInstance(load('external')).objects as O[]).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds.filter((k) => k.startsWith('StatefulSet') || k.includes('jaeger-collector'))).toEqual([]);
  });

  it('holds back the components the rollout planner names', () => {
    const inst = load('ephemeral');
    inst.spec.version = '0.2.0';
    const r = renderInstance(inst, { versions: { frontend: '0.1.0', consumer: '0.1.0', informers: '0.1.0' } });
    expect(Object.fromEntries(r.components.map((c) => [c.id, c.version]))).toEqual({
      etcd: '0.2.0',
      'jaeger-storage': '0.2.0',
      'jaeger-collector': '0.2.0',
      informers: '0.1.0',
      consumer: '0.1.0',
      frontend: '0.1.0',
    });
  });

  it('uses the same shared prefixes and endpoints in every role (multi-cluster sharing)', () => {
    const r = renderInstance(load('external'));
    const docs = Object.values(r.configs).map((t) => parse(t));
    for (const d of docs) {
      expect(d.stores.etcd.endpoints).toEqual(['https://etcd-0.shared.example:2379', 'https://etcd-1.shared.example:2379']);
      expect(d.tracer.otlpEndpoint).toBe('jaeger-collector.shared.example:4317');
      expect(d.clusters.map((c: { name: string }) => c.name)).toEqual(['east', 'west']);
    }
    for (const d of docs) expect(d.stores.spanCache).toEqual({ backend: 'etcd', prefix: '/fleet/span/' });
    expect(parse(r.configs.consumer).informers.diffCache).toMatchObject({ backend: 'etcd', prefix: '/fleet/diff/' });
    expect(parse(r.configs.informers).informers.diffCache).toMatchObject({ backend: 'etcd', prefix: '/fleet/diff/', useOldResourceVersionClusters: ['west'] });
    expect(parse(r.configs.frontend).plugin.traceCache).toEqual({ backend: 'redis', prefix: 'fleet:trace:' });
  });
});

describe('renderOperatorInstall', () => {
  it('matches its golden file', () => {
    golden('operator-install', toYaml(renderOperatorInstall({ namespace: 'kelemetry-system', image: 'ghcr.io/kelemetry/kelemetry:0.1.0' })));
  });
});
