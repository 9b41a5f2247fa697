/**
 * Diff controller + diff cache + diff decorator against the real servers: kube-apiserver (with
 * controller-manager and kwok, audit webhook at RequestResponse level), etcd and Redis. The decorator
 * runs on the audit events the apiserver really sent.
 */
import { execFile } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SpanEvent } from '../../runtime/aggregator/types.ts';
import { applyDecoration } from '../../runtime/audit/decorator.ts';
import { toMessage } from '../../runtime/audit/object.ts';
import type { AuditMessage } from '../../runtime/audit/types.ts';
import { informersSection } from '../../runtime/config/sections/informers.ts';
import { EtcdDiffCache } from '../../runtime/diff/cache/etcd.ts';
import { RedisDiffCache } from '../../runtime/diff/cache/redis.ts';
import { DiffController } from '../../runtime/diff/controller.ts';
import { DiffDecorator } from '../../runtime/diff/decorator.ts';
import { RvIndexPolicy, type DiffCache } from '../../runtime/diff/types.ts';
import { createKubeClients } from '../../runtime/k8s/clients.ts';
import { Discovery } from '../../runtime/k8s/discovery.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { startAuditReceiver, type AuditReceiver } from './helpers/auditReceiver.ts';
import { createTestNamespace, kubeClients, kubectlFor, runDeploymentScenario } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const kube = kubeClients(env);
const logger = createLogger({ level: 'warn' });
const suffix = Math.random().toString(36).slice(2, 8);
const rest = createKubeClients([{ name: cluster, kubeconfig: env.kube.kubeconfig }]).get(cluster).rest;
const mergePatch = <T,>(path: string, body: unknown) => rest.request<T>({ method: 'PATCH', path, body, contentType: 'application/merge-patch+json' });
const kubectl = kubectlFor(env);

function controllerConfig(name: string) {
  const election = { leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s' };
  return informersSection.parse({
    diffController: {
      enabled: true,
      leaderElection: { ...election, name: `${name}-watch` },
      writerElection: { ...election, name: `${name}-writer` },
    },
  }).diffController;
}

function startController(cache: DiffCache, name: string) {
  const clients = createKubeClients([{ name: cluster, kubeconfig: env.kube.kubeconfig }]);
  const registry = new Registry();
  const discovery = new Discovery(clients, logger, registry);
  const controller = new DiffController(controllerConfig(name), { clusters: [cluster], clients, discovery, cache, logger, registry });
  controller.start();
  return {
    controller,
    async stop() {
      await controller.stop();
      discovery.stop();
      clients.close();
    },
  };
}

/** Waits until the controller watches ConfigMaps and has written a creation snapshot of a probe object. */
async function waitWatching(cache: DiffCache, ns: string, probe: string): Promise<void> {
  await waitFor('the diff controller to watch configmaps', async () => {
    await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `${probe}-${Math.random().toString(36).slice(2, 6)}` } } });
    const list = await kube.core.listNamespacedConfigMap({ namespace: ns });
    for (const cm of list.items) {
      const snap = await cache.fetchSnapshot({ cluster, group: '', resource: 'configmaps', namespace: ns, name: cm.metadata!.name! }, 'creation');
      if (snap) return true;
    }
    return false;
  }, { timeoutMs: 60_000, intervalMs: 1000 });
}

const decoratorConfig = { enabled: true, fetchBackoff: 200, fetchEventTimeout: 60_000, fetchTotalTimeout: 15_000 };

function decorate(cache: DiffCache, audit: AuditReceiver, match: (e: AuditMessage['event']) => boolean) {
  const decorator = new DiffDecorator(decoratorConfig, { cache, registry: new Registry(), logger });
  return Promise.all(
    audit
      .events()
      .map((e) => e as unknown as AuditMessage['event'])
      .filter((e) => e.stage === 'ResponseComplete' && ['create', 'update', 'patch', 'delete'].includes(e.verb ?? '') && match(e))
      .map(async (event) => {
        const message = toMessage({ cluster, sourceAddr: '127.0.0.1', receivedAtMs: Date.now(), event });
        const span: SpanEvent = { title: `${event.user?.username} ${event.verb}`, traceSource: 'audit', startMs: 0, tags: {}, logs: [] };
        applyDecoration(span, await decorator.decorate({ message, object: message.object! }));
        return { event, span };
      }),
  );
}

describe('diff controller with the etcd diff cache (real kube-apiserver + etcd)', () => {
  let audit: AuditReceiver;
  let etcd: Etcd3;
  let cache: EtcdDiffCache;
  let ctl: ReturnType<typeof startController>;
  let ns: string;
  const prefix = `/difftest-${suffix}/`;
  let startedAt: number;

  beforeAll(async () => {
    startedAt = Date.now();
    audit = await startAuditReceiver(env.auditReceiverPort);
    etcd = new Etcd3({ hosts: env.etcd.endpoint });
    cache = new EtcdDiffCache({ client: etcd, prefix, policy: new RvIndexPolicy(), patchTtlMs: 600_000, snapshotTtlMs: 600_000 });
    ns = await createTestNamespace(kube.core, 'diff');
    ctl = startController(cache, `difftest-etcd-${suffix}`);
    await waitWatching(cache, ns, 'probe');
  });
  afterAll(async () => {
    await ctl?.stop();
    await audit?.close();
    etcd?.close();
  });

  it('writes the cluster\'s listed-since marker once its first list of every resource is complete', async () => {
    const since = await waitFor('the listed-since marker', () => cache.fetchListedSince(cluster));
    expect(since).toBeGreaterThanOrEqual(startedAt);
    expect(since).toBeLessThanOrEqual(Date.now());
    expect(ctl.controller.ready()).toBe(true);
    // Kept without a lease: the decorator needs it for as long as this watch runs.
    expect((await etcd.get(`${prefix}_meta/listedSince/${cluster}`).exec()).kvs[0]?.lease).toBe('0');
  });

  it('Deployment scenario: diffs by resourceVersion, no managedFields, deletion snapshot', async () => {
    await runDeploymentScenario({ kubectl, apps: kube.apps, namespace: ns });
    // The apiserver batches audit events; wait for the delete to arrive.
    await waitFor('the delete audit event', () => audit.events().some((e) => e.verb === 'delete' && e.objectRef?.resource === 'deployments' && e.objectRef?.namespace === ns));

    const results = await decorate(cache, audit, (e) => e.objectRef?.resource === 'deployments' && e.objectRef?.namespace === ns && e.objectRef?.name === 'demo');
    const diffs = results.flatMap((r) => r.span.logs.filter((l) => l.type === 'audit/objectDiff').map((l) => l.message));
    const allLines = diffs.join('').split('\n');
    expect(allLines).toContain('status.observedGeneration 1 -> 2');
    expect(allLines).toContain('spec.replicas 2 -> 4');
    expect(allLines).toContain('spec.template.spec.containers[0].image "nginx:1.27" -> "nginx:1.28"');
    expect(allLines.filter((l) => l.includes('managedFields'))).toEqual([]);
    const updates = results.filter((r) => r.event.verb === 'update' || r.event.verb === 'patch');
    // Every successful write of the Deployment found its diff (no misses).
    const writes = updates.filter((r) => (r.event.responseStatus?.code ?? 200) < 300);
    expect(writes.length).toBeGreaterThanOrEqual(4);
    for (const r of writes) {
      const types = r.span.logs.map((l) => l.type);
      const what = `${r.event.verb} ${r.event.objectRef?.subresource ?? ''} by ${r.event.user?.username}`;
      expect(types.includes('audit/objectDiff') || types.includes('realVerbose'), what).toBe(true);
    }
    expect(writes.filter((r) => r.span.logs.some((l) => l.type === 'audit/objectDiff')).length).toBeGreaterThanOrEqual(4);
    const del = results.find((r) => r.event.verb === 'delete')!;
    const snapshot = del.span.logs.find((l) => l.type === 'audit/objectSnapshot');
    expect(JSON.parse(snapshot!.message).metadata.name).toBe('demo');
    const create = results.find((r) => r.event.verb === 'create')!;
    expect(JSON.parse(create.span.logs.find((l) => l.type === 'audit/objectSnapshot')!.message).spec.replicas).toBe(2);
  });

  it('never stores a Secret value (diff cache contents), only keys and change markers', async () => {
    const values = [`hunter2-${suffix}`, `s3cret-${suffix}`];
    const apply = (v: string) =>
      new Promise<void>((resolve, reject) => {
        const child = execFile(env.binaries.kubectl, ['--kubeconfig', env.kube.kubeconfig, 'apply', '-f', '-'], (err) => (err ? reject(err) : resolve()));
        child.stdin!.end(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: ns }, stringData: { password: v, user: 'admin' } }));
      });
    await apply(values[0]!);
    await apply(values[1]!);
    const key = { cluster, group: '', resource: 'secrets', namespace: ns, name: 'creds' };
    const secret = await kube.core.readNamespacedSecret({ name: 'creds', namespace: ns });
    const patch = await waitFor('the Secret patch', () => cache.fetchPatch(key, '', secret.metadata!.resourceVersion!));
    expect(patch.DiffList.diffs).toContainEqual({ jsonPath: 'data.password', old: '<redacted>', new: '<redacted: changed>' });
    expect(patch.DiffList.diffs.some((d) => d.jsonPath === 'data.user')).toBe(false);
    const stored = await etcd.getAll().prefix(`${prefix}${cluster}//secrets/${ns}/`).strings();
    expect(Object.keys(stored).length).toBeGreaterThanOrEqual(2);
    const everything = JSON.stringify(await etcd.getAll().prefix(prefix).strings());
    for (const v of values) {
      expect(everything).not.toContain(v);
      expect(everything).not.toContain(Buffer.from(v).toString('base64'));
    }
    expect(JSON.parse(stored[`${prefix}${cluster}//secrets/${ns}/creds/creation`]!).Value.data).toEqual({ password: '<redacted>', user: '<redacted>' });
  });

  it('keeps redacted objects out of diffs and snapshots (label)', async () => {
    await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'private', labels: { 'kelemetry.kubewharf.io/diff-redacted': 'true' } }, data: { token: `tok-${suffix}` } } });
    await mergePatch(`/api/v1/namespaces/${ns}/configmaps/private`, { data: { token: `tok2-${suffix}` } });
    const key = { cluster, group: '', resource: 'configmaps', namespace: ns, name: 'private' };
    const cm = await kube.core.readNamespacedConfigMap({ name: 'private', namespace: ns });
    const patch = await waitFor('the redacted patch', () => cache.fetchPatch(key, '', cm.metadata!.resourceVersion!));
    expect(patch.Redacted).toBe(true);
    expect(patch.DiffList.diffs.map((d) => d.jsonPath)).toEqual(['metadata.resourceVersion']);
    const snap = await cache.fetchSnapshot(key, 'creation');
    expect(snap?.Redacted).toBe(true);
    expect(JSON.stringify(snap)).not.toContain(`tok-${suffix}`);
  });
});

describe('diff controller with the Redis diff cache (real kube-apiserver + Redis)', () => {
  let redis: Redis;
  let ctl: ReturnType<typeof startController>;
  let cache: RedisDiffCache;
  let ns: string;
  const prefix = `/difftest-${suffix}/`;

  beforeAll(async () => {
    redis = new Redis({ host: env.redis.host, port: env.redis.port });
    cache = new RedisDiffCache({ client: redis, prefix, policy: new RvIndexPolicy(), patchTtlMs: 60_000, snapshotTtlMs: 30_000 });
    ns = await createTestNamespace(kube.core, 'diffredis');
    ctl = startController(cache, `difftest-redis-${suffix}`);
    await waitWatching(cache, ns, 'probe');
  });
  afterAll(async () => {
    await ctl?.stop();
    redis?.disconnect();
  });

  it('stores patches with the configured TTLs, found by the new resourceVersion', async () => {
    await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cfg' }, data: { mode: 'a' } } });
    const updated = await mergePatch<{ metadata: { resourceVersion: string } }>(`/api/v1/namespaces/${ns}/configmaps/cfg`, { data: { mode: 'b' } });
    const key = { cluster, group: '', resource: 'configmaps', namespace: ns, name: 'cfg' };
    const rv = updated.metadata.resourceVersion;
    const patch = await waitFor('the ConfigMap patch in Redis', () => cache.fetchPatch(key, '', rv));
    expect(patch.DiffList.diffs).toContainEqual({ jsonPath: 'data.mode', old: 'a', new: 'b' });
    const ttl = await redis.pttl(`${prefix}${cluster}//configmaps/${ns}/cfg/newRv/${rv}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const snapTtl = await redis.pttl(`${prefix}${cluster}//configmaps/${ns}/cfg/creation`);
    expect(snapTtl).toBeGreaterThan(20_000);
    expect(snapTtl).toBeLessThanOrEqual(30_000);
    expect(await cache.list(key, 10)).toEqual(expect.arrayContaining([rv, 'creation']));
    await kube.core.deleteNamespacedConfigMap({ name: 'cfg', namespace: ns });
    const del = await waitFor('the deletion snapshot', () => cache.fetchSnapshot(key, 'deletion'));
    expect((del.Value.metadata as { name: string }).name).toBe('cfg');
  });

  it('keeps the listed-since marker without expiry', async () => {
    await waitFor('the listed-since marker', () => cache.fetchListedSince(cluster));
    expect(await redis.pttl(`${prefix}_meta/listedSince/${cluster}`)).toBe(-1);
  });
});
