/**
 * Upgrades, failures and isolation, against the real kube-apiserver + controller-manager + kwok (and
 * the environment's real etcd and Jaeger storage as external stores): version changes roll stores →
 * informers/consumer → frontend and back; a killed operator process is replaced and converges; two
 * instances do not touch each other; a missing Secret is reported by name and recovers once created.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROLLOUT_GROUPS, VERSION_LABEL, type ComponentId } from '../../manifests/naming.ts';
import { repoRoot } from '../../envtest/environment.ts';
import { waitFor } from './helpers/wait.ts';
import {
  adminClient,
  applyInstance,
  children,
  conditionOf,
  createNamespace,
  deleteInstance,
  getInstance,
  installCrd,
  instanceDoc,
  runOperator,
  smallSpec,
  waitReady,
} from './operator-support.ts';

const env = inject('env');
const client = adminClient(env);

async function workloadVersions(ns: string, name: string): Promise<Partial<Record<ComponentId, string>>> {
  const objs = await children(client, ns, name);
  const out: Partial<Record<ComponentId, string>> = {};
  for (const o of objs) {
    if (o.kind !== 'Deployment' && o.kind !== 'StatefulSet') continue;
    out[o.metadata.name.slice(name.length + 1) as ComponentId] = o.spec?.template?.metadata?.labels?.[VERSION_LABEL];
  }
  return out;
}

/** Polls while a rollout runs; returns when each component first showed the target version. */
async function recordRollout(ns: string, name: string, target: string): Promise<{ first: Partial<Record<ComponentId, number>>; violations: string[] }> {
  const first: Partial<Record<ComponentId, number>> = {};
  const violations: string[] = [];
  const started = Date.now();
  await waitFor(
    `every component of ${name} at ${target}`,
    async () => {
      const versions = await workloadVersions(ns, name);
      const now = Date.now() - started;
      for (const [id, v] of Object.entries(versions)) if (v === target && first[id as ComponentId] === undefined) first[id as ComponentId] = now;
      // Invariant at every observation: a later group is never ahead of an earlier one.
      ROLLOUT_GROUPS.forEach((g, i) => {
        const later = ROLLOUT_GROUPS.slice(i + 1).flatMap((l) => l.components);
        const laterAhead = later.filter((id) => versions[id] === target);
        const earlierBehind = g.components.filter((id) => versions[id] !== undefined && versions[id] !== target);
        if (laterAhead.length && earlierBehind.length) violations.push(`${laterAhead.join(',')} at ${target} while ${earlierBehind.join(',')} not`);
      });
      return Object.values(versions).every((v) => v === target) && Object.keys(versions).length === 6;
    },
    // kwok marks replacement pods ready after ~10-25 s, and a group waits for the previous one: minutes.
    { timeoutMs: 300_000, intervalMs: 100 },
  );
  return { first, violations };
}

describe('operator upgrades, restarts and isolation (real kube-apiserver + controller-manager + kwok)', () => {
  let op: ReturnType<typeof runOperator> | undefined;
  let leaseNs: string;

  beforeAll(async () => {
    await installCrd(client);
    leaseNs = await createNamespace(client, 'op-lease');
  });
  afterAll(async () => {
    await op?.stop();
  });

  it('converges after the operator process is killed mid-reconcile and another one starts', async () => {
    const ns = await createNamespace(client, 'op-kill');
    await applyInstance(client, instanceDoc('kill', ns, smallSpec()));
    // A real operator process (the CLI), SIGKILLed once it has begun creating children.
    const child = spawn(process.execPath, [join(repoRoot, 'bin/kelemetry.js'), 'operator', '--kubeconfig', env.kube.kubeconfig, '--metrics-listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitFor('the first operator to start creating children', async () => (await children(client, ns, 'kill')).length > 0, { timeoutMs: 60_000, intervalMs: 50 });
    } finally {
      child.kill('SIGKILL');
    }
    const partial = (await children(client, ns, 'kill')).length;
    expect(stderr).toContain('applying');
    op = runOperator(env, { leaseNamespace: leaseNs });
    const inst = await waitReady(client, ns, 'kill', 120_000);
    expect(conditionOf(inst, 'Ready')?.status).toBe('True');
    expect((await children(client, ns, 'kill')).length).toBeGreaterThanOrEqual(partial);
    await deleteInstance(client, ns, 'kill');
  }, 180_000);

  it('rolls a version change stores → informers/consumer → frontend, reports it, and rolls back the same way', async () => {
    const ns = await createNamespace(client, 'op-upgrade');
    op ??= runOperator(env, { leaseNamespace: leaseNs });
    await applyInstance(client, instanceDoc('up', ns, smallSpec('0.1.0')));
    await waitReady(client, ns, 'up', 120_000, '0.1.0');

    await applyInstance(client, instanceDoc('up', ns, smallSpec('0.2.0')));
    const seenPhases = new Set<string>();
    const phaseWatch = setInterval(() => {
      void getInstance(client, ns, 'up').then((i) => i?.status?.rollout?.phase && seenPhases.add(i.status.rollout.phase));
    }, 100);
    let up;
    try {
      up = await recordRollout(ns, 'up', '0.2.0');
    } finally {
      clearInterval(phaseWatch);
    }
    expect(up.violations).toEqual([]);
    const t = up.first;
    const stores = Math.max(t.etcd!, t['jaeger-storage']!, t['jaeger-collector']!);
    const workers = [t.informers!, t.consumer!];
    // Order is proven sample by sample by `violations` above; first-seen times come from 100 ms samples,
    // so two groups rolled within one interval share a time.
    expect(Math.min(...workers)).toBeGreaterThanOrEqual(stores);
    expect(t.frontend!).toBeGreaterThanOrEqual(Math.max(...workers));
    expect([...seenPhases].filter((p) => p !== 'Idle').length).toBeGreaterThanOrEqual(1);
    const upgraded = await waitReady(client, ns, 'up', 120_000, '0.2.0');
    expect(upgraded.status).toMatchObject({ currentVersion: '0.2.0', desiredVersion: '0.2.0' });

    await applyInstance(client, instanceDoc('up', ns, smallSpec('0.1.0')));
    const down = await recordRollout(ns, 'up', '0.1.0');
    expect(down.violations).toEqual([]);
    expect(down.first.frontend!).toBeGreaterThanOrEqual(Math.max(down.first.etcd!, down.first.informers!, down.first.consumer!));
    await waitReady(client, ns, 'up', 120_000, '0.1.0');
    await deleteInstance(client, ns, 'up');
  }, 900_000);

  it('keeps two instances apart: the second (external etcd + Jaeger) never touches the first', async () => {
    op ??= runOperator(env, { leaseNamespace: leaseNs });
    const nsA = await createNamespace(client, 'op-a');
    const nsB = await createNamespace(client, 'op-b');
    // Same instance name in both namespaces: names of cluster-scoped children must not collide.
    await applyInstance(client, instanceDoc('kelemetry', nsA, smallSpec()));
    await waitReady(client, nsA, 'kelemetry', 120_000);
    const snapshot = async () => new Map((await children(client, nsA, 'kelemetry')).map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]));
    const before = await snapshot();

    const specB = {
      version: '0.1.0',
      clusters: [{ name: 'tracetest' }],
      audit: { replicas: 1 },
      informers: { replicas: 1, diff: { leaders: 1 } },
      frontend: { replicas: 1 },
      storage: {
        etcd: { external: { endpoints: [env.etcd.endpoint] } },
        caches: { span: { prefix: '/shared/span/' }, diff: { prefix: '/shared/diff/' }, trace: { prefix: '/shared/trace/' } },
        jaeger: { external: { otlpEndpoint: env.jaeger.storage.otlpGrpc, remoteStorageEndpoint: env.jaeger.storage.remoteStorage } },
      },
    };
    const b = await applyInstance(client, instanceDoc('kelemetry', nsB, specB));
    const readyB = await waitReady(client, nsB, 'kelemetry', 120_000);
    expect(conditionOf(readyB, 'Degraded')?.status).toBe('False');
    const childrenB = await children(client, nsB, 'kelemetry');
    expect(childrenB.some((o) => o.kind === 'StatefulSet')).toBe(false);
    for (const o of childrenB.filter((x) => x.metadata.namespace)) expect(o.metadata.ownerReferences?.[0]?.uid).toBe(b.metadata.uid);
    const configB = childrenB.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'kelemetry-config') as unknown as { data: Record<string, string> };
    expect(configB.data['informers.yaml']).toContain('/shared/diff/');
    expect(configB.data['consumer.yaml']).toContain(env.etcd.endpoint);

    await deleteInstance(client, nsB, 'kelemetry');
    await waitFor('instance B and its children to be gone', async () => (await children(client, nsB, 'kelemetry')).length === 0 && !(await getInstance(client, nsB, 'kelemetry')), { timeoutMs: 90_000 });
    expect(await snapshot()).toEqual(before);
    const a = await getInstance(client, nsA, 'kelemetry');
    expect(conditionOf(a, 'Ready')?.status).toBe('True');
    await deleteInstance(client, nsA, 'kelemetry');
  }, 300_000);

  it('reports a missing Secret by field and name, creates nothing new, and recovers when it appears', async () => {
    op ??= runOperator(env, { leaseNamespace: leaseNs });
    const ns = await createNamespace(client, 'op-ref');
    const spec = { ...smallSpec(), clusters: [{ name: 'tracetest' }, { name: 'remote', kubeconfig: { source: 'Secret', secretRef: { name: 'remote-kubeconfig' } } }] };
    await applyInstance(client, instanceDoc('refs', ns, spec));
    const degraded = await waitFor('Degraded=True', async () => {
      const i = await getInstance(client, ns, 'refs');
      return conditionOf(i, 'Degraded')?.status === 'True' ? i : false;
    });
    expect(conditionOf(degraded, 'Degraded')).toMatchObject({
      reason: 'InvalidReference',
      message: expect.stringContaining(`spec.clusters[1].kubeconfig.secretRef: Secret ${ns}/remote-kubeconfig not found`),
    });
    expect(conditionOf(degraded, 'Ready')?.status).toBe('False');
    expect((await children(client, ns, 'refs')).filter((o) => o.kind === 'Deployment')).toEqual([]);

    await client.create(`/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'remote-kubeconfig' }, stringData: { kubeconfig: 'apiVersion: v1\nkind: Config\n' } });
    const ready = await waitReady(client, ns, 'refs', 120_000);
    expect(ready.status?.clusterCount).toBe(2);
    const consumer = (await children(client, ns, 'refs')).find((o) => o.kind === 'Deployment' && o.metadata.name === 'refs-consumer');
    expect(JSON.stringify(consumer?.spec)).toContain('remote-kubeconfig');
    await deleteInstance(client, ns, 'refs');
  }, 180_000);
});
