/**
 * Owner-reference and parent-link annotation linkers through the bounded worker pool, against the real
 * kube-apiserver (+ controller-manager, kwok) for object lookups. Link jobs and span requests go through
 * a recording Aggregator (a test double of our own interface), so the forward/backward link span
 * requests of spec 4.4 can be checked one by one.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Aggregator, LinkJob, PseudoSpanRequest, RichObject, SpanEvent, SpanRef } from '../../runtime/aggregator/types.ts';
import { createKubeClients } from '../../runtime/k8s/clients.ts';
import { Discovery } from '../../runtime/k8s/discovery.ts';
import { ObjectCache } from '../../runtime/k8s/objectCache.ts';
import { AnnotationLinker } from '../../runtime/linker/annotation.ts';
import { OwnerLinker } from '../../runtime/linker/owner.ts';
import { LinkerPool } from '../../runtime/linker/worker.ts';
import { keyString } from '../../runtime/model/objectKey.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { createTestNamespace, demoDeployment, kubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const kube = kubeClients(env);
const logger = createLogger({ level: 'warn' });

class RecordingAggregator implements Aggregator {
  listeners: Array<(job: LinkJob) => void> = [];
  ensured: string[] = [];
  pseudo: PseudoSpanRequest[] = [];
  private n = 0;
  private span(): SpanRef {
    this.n++;
    return { traceId: this.n.toString(16).padStart(32, '0'), spanId: this.n.toString(16).padStart(16, '0') };
  }
  async send(_o: RichObject, _e: SpanEvent): Promise<void> {}
  async ensureObjectSpan(object: RichObject): Promise<SpanRef> {
    this.ensured.push(keyString(object));
    return this.span();
  }
  async getOrCreatePseudoSpan(req: PseudoSpanRequest): Promise<{ span: SpanRef; created: boolean }> {
    this.pseudo.push(req);
    return { span: this.span(), created: true };
  }
  onLinkJob(listener: (job: LinkJob) => void): void {
    this.listeners.push(listener);
  }
  /** A link job for the object; pass the span of an earlier job to stand for a later event of its window. */
  publish(object: RichObject, later?: { span: SpanRef }): SpanRef {
    const span = later?.span ?? this.span();
    for (const l of this.listeners) l({ object, eventTimeMs: Date.now(), span, trigger: later ? 'updated' : 'created' });
    return span;
  }
}

describe('linkers (real kube-apiserver)', () => {
  const clients = createKubeClients([{ name: cluster, kubeconfig: env.kube.kubeconfig }]);
  const registry = new Registry();
  const discovery = new Discovery(clients, logger, registry);
  const objectCache = new ObjectCache({ clients, discovery, logger, registry, maxBytes: 1 << 20, storeTtlMs: 5000, fetchTimeoutMs: 5000 });
  const aggregator = new RecordingAggregator();
  const objects = (o: RichObject) => objectCache.get(o);
  const pool = new LinkerPool(
    { workerCount: 2, queueCapacity: 100 },
    { aggregator, linkers: [new OwnerLinker({ discovery, objects, logger, registry }), new AnnotationLinker({ objects })], logger, registry },
  );
  let ns: string;
  let other: string;

  beforeAll(async () => {
    ns = await createTestNamespace(kube.core, 'links');
    other = await createTestNamespace(kube.core, 'links-parent');
    pool.start();
  });
  afterAll(async () => {
    await pool.stop();
    discovery.stop();
    clients.close();
  });

  const forward = (child: RichObject) => aggregator.pseudo.filter((p) => keyString(p.object) === keyString(child));
  const backward = (parent: RichObject, child: RichObject) => aggregator.pseudo.filter((p) => keyString(p.object) === keyString(parent) && p.dedupId.endsWith(`@${keyString(child)}`));

  it('links both ReplicaSets of a Deployment to it, in both directions', async () => {
    await kube.apps.createNamespacedDeployment({ namespace: ns, body: demoDeployment('demo', 2, 'nginx:1.27') });
    await waitFor('the first ReplicaSet', async () => (await kube.apps.listNamespacedReplicaSet({ namespace: ns })).items.length === 1);
    await kube.apps.patchNamespacedDeployment({ name: 'demo', namespace: ns, body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.28' }] });
    const sets = await waitFor('two ReplicaSets', async () => {
      const items = (await kube.apps.listNamespacedReplicaSet({ namespace: ns })).items;
      return items.length === 2 ? items : undefined;
    });
    const deployment: RichObject = { cluster, group: 'apps', version: 'v1', resource: 'deployments', namespace: ns, name: 'demo' };
    for (const rs of sets) {
      // No raw object in the job: the owner linker reads it through the object cache (apiserver GET).
      const child: RichObject = { cluster, group: 'apps', version: 'v1', resource: 'replicasets', namespace: ns, name: rs.metadata!.name! };
      aggregator.publish(child);
      await waitFor(`links of ${child.name}`, () => backward(deployment, child).length === 1);
      const [fwd] = forward(child);
      expect(fwd).toMatchObject({
        pseudoType: 'link',
        dedupId: 'ownerReference',
        extraTags: { linkedCluster: cluster, linkedGroup: 'apps', linkedResource: 'deployments', linkedNamespace: ns, linkedName: 'demo', linkRole: 'parent', linkClass: 'children' },
      });
      const [back] = backward(deployment, child);
      expect(back).toMatchObject({
        pseudoType: 'link',
        dedupId: `ownerReference@${keyString(child)}`,
        extraTags: { linkedGroup: 'apps', linkedResource: 'replicasets', linkedNamespace: ns, linkedName: child.name, linkRole: 'child', linkClass: 'children' },
      });
      // The forward span hangs under the job's object span, the backward one under the owner's object span.
      expect(fwd!.parent).toBeDefined();
      expect(back!.parent).toBeDefined();
      expect(back!.parent).not.toEqual(fwd!.parent);
    }
    expect(aggregator.ensured.filter((k) => k === keyString(deployment))).toHaveLength(2);
  });

  it('links a ConfigMap to a Deployment in another namespace through the parent-link annotation', async () => {
    const parent: RichObject = { cluster, group: 'apps', version: 'v1', resource: 'deployments', namespace: other, name: 'owner' };
    const annotation = JSON.stringify({ group: 'apps', version: 'v1', resource: 'deployments', namespace: other, name: 'owner' });
    await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'linked', annotations: { 'kelemetry.kubewharf.io/parent-link': annotation } } } });
    const child: RichObject = { cluster, group: '', version: 'v1', resource: 'configmaps', namespace: ns, name: 'linked' };
    aggregator.publish(child);
    await waitFor('the annotation link', () => backward(parent, child).length === 1);
    expect(forward(child)).toEqual([
      expect.objectContaining({ dedupId: 'annotation', extraTags: expect.objectContaining({ linkedNamespace: other, linkedName: 'owner', linkRole: 'parent', linkClass: '' }) }),
    ]);
    expect(backward(parent, child)[0]).toMatchObject({ dedupId: `annotation@${keyString(child)}`, extraTags: { linkedNamespace: ns, linkedName: 'linked', linkRole: 'child' } });
  });

  it('links a ConfigMap adopted by a Deployment after its span was created, once however many events follow', async () => {
    const owner = await kube.apps.createNamespacedDeployment({ namespace: ns, body: demoDeployment('adopter', 0) });
    const created = await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'adopted' } } });
    const child: RichObject = { cluster, group: '', version: 'v1', resource: 'configmaps', namespace: ns, name: 'adopted' };
    const parent: RichObject = { cluster, group: 'apps', version: 'v1', resource: 'deployments', namespace: ns, name: 'adopter' };
    const span = aggregator.publish({ ...child, raw: created as Record<string, unknown> });
    const ownerRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'adopter', uid: owner.metadata!.uid!, controller: true };
    const adopted = await kube.core.patchNamespacedConfigMap({ name: 'adopted', namespace: ns, body: [{ op: 'add', path: '/metadata/ownerReferences', value: [ownerRef] }] });
    for (let i = 0; i < 3; i++) aggregator.publish({ ...child, raw: adopted as Record<string, unknown> }, { span });
    await waitFor('the adoption link', () => backward(parent, child).length === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(forward(child).map((p) => p.dedupId)).toEqual([`ownerReference->${keyString(parent)}`]);
    expect(forward(child)[0]!.parent).toEqual(span);
    expect(backward(parent, child).map((p) => p.dedupId)).toEqual([`ownerReference@${keyString(child)}`]);
  });

  it('keys the object cache by cluster', async () => {
    const key = { cluster, group: '', version: 'v1', resource: 'configmaps', namespace: ns, name: 'linked' };
    expect(await objectCache.get(key)).toBeDefined();
    // The same object path in an unknown cluster is not served from the cache entry of this one.
    expect(await objectCache.get({ ...key, cluster: 'elsewhere' })).toBeUndefined();
  });
});
