/**
 * Pod defaults an SRE accepts, as the real kube-apiserver admits them: every pod template the operator
 * install and an instance render is created (server-side dry run) in the install's own Namespace, which
 * the install labels for Pod Security `restricted`; and the CRD's transition rules (CEL with oldSelf)
 * refuse changes a running managed store cannot take.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { parseInstance } from '../../api/types.ts';
import { renderInstance } from '../../manifests/instance.ts';
import { renderOperatorInstall } from '../../manifests/operatorInstall.ts';
import { adminClient, applyInstance, installCrd, instanceDoc, kubectl, smallSpec } from './operator-support.ts';

const env = inject('env');
const client = adminClient(env);
const testdata = join(import.meta.dirname, '..', '..', 'manifests', 'testdata');

interface Workload {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { serviceAccountName?: string; volumes?: unknown[] } }; volumeClaimTemplates?: { metadata: { name: string } }[] };
}

/** The pod a workload's controller would create: its template, with the claim templates' volumes. */
function podOf(w: Workload, namespace: string): Record<string, unknown> {
  const claims = (w.spec.volumeClaimTemplates ?? []).map((c) => ({ name: c.metadata.name, persistentVolumeClaim: { claimName: `${c.metadata.name}-${w.metadata.name}-0` } }));
  const spec = { ...w.spec.template.spec, volumes: [...(w.spec.template.spec.volumes ?? []), ...claims] };
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${w.metadata.name}-dryrun`, namespace }, spec };
}

const workloadsOf = (objects: Record<string, unknown>[]) => (objects as unknown as Workload[]).filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');

describe('pods admitted by Pod Security restricted (real kube-apiserver admission)', () => {
  const ns = `kelemetry-pss-${Math.random().toString(36).slice(2, 7)}`;
  const install = renderOperatorInstall({ namespace: ns, image: 'kelemetry:test' });

  beforeAll(async () => {
    const namespace = install[0]!;
    expect(namespace.kind).toBe('Namespace');
    await client.create('/api/v1/namespaces', namespace);
  });

  it('refuses a pod that is not restricted (the label is enforced)', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loose', namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const r = await kubectl(env, ['create', '--dry-run=server', '-f', '-'], JSON.stringify(pod));
    expect(r.stderr).toMatch(/violates PodSecurity "restricted:latest"/);
  });

  it.each(['operator', ...readdirSync(testdata).filter((f) => f.endsWith('.input.yaml')).map((f) => f.replace('.input.yaml', ''))])(
    'admits every pod of %s',
    async (name) => {
      let objects = install;
      if (name !== 'operator') {
        const doc = parse(readFileSync(join(testdata, `${name}.input.yaml`), 'utf8')) as { metadata: Record<string, unknown> };
        objects = renderInstance(parseInstance({ ...doc, metadata: { ...doc.metadata, namespace: ns } }, name)).objects;
      }
      const workloads = workloadsOf(objects);
      expect(workloads.length).toBeGreaterThan(0);
      for (const sa of new Set(workloads.map((w) => w.spec.template.spec.serviceAccountName ?? 'default'))) {
        await kubectl(env, ['-n', ns, 'create', 'serviceaccount', sa]);
      }
      for (const w of workloads) {
        const r = await kubectl(env, ['create', '--dry-run=server', '-o', 'name', '-f', '-'], JSON.stringify(podOf(w, ns)));
        expect(r.stderr, `${w.kind}/${w.metadata.name}`).toBe('');
        expect(r.stdout.trim()).toBe(`pod/${w.metadata.name}-dryrun`);
      }
    },
  );
});

describe('what a running managed store cannot change (CEL transition rules)', () => {
  it('refuses changing etcd replicas or store volumes after creation, and accepts other edits', async () => {
    await installCrd(client);
    const ns = `kelemetry-cel-${Math.random().toString(36).slice(2, 7)}`;
    await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const spec = smallSpec();
    await applyInstance(client, instanceDoc('fixed', ns, spec));
    const apply = (doc: object) => kubectl(env, ['apply', '--server-side', '--field-manager=kelemetry-test-user', '-f', '-'], JSON.stringify(doc));
    const edit = (storage: Record<string, unknown>) => apply(instanceDoc('fixed', ns, { ...spec, storage: { ...(spec.storage as object), ...storage } }));
    const replicas = await edit({ etcd: { managed: { replicas: 3, storage: { ephemeral: true } } } });
    expect(replicas.stderr).toContain('storage.etcd.managed.replicas cannot change after creation');
    const volume = await edit({ jaeger: { managed: { storage: { ephemeral: false, size: '5Gi' } } } });
    expect(volume.stderr).toContain('storage.jaeger.managed.storage cannot change after creation');
    const fine = await apply(instanceDoc('fixed', ns, { ...spec, audit: { replicas: 2 } }));
    expect(fine.stderr).toBe('');
    await kubectl(env, ['delete', 'namespace', ns, '--wait=false']);
  });
});
