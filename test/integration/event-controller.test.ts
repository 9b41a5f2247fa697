/**
 * Event controller against the real kube-apiserver (+ controller-manager and kwok) and etcd: event spans
 * for a Deployment's Events, progress in a ConfigMap, and leader hand-overs between controllers on Lease
 * objects without duplicate or missing events — on a graceful stop, and on a SIGKILL of a leader in
 * another process (the etcd span cache records emitted events). Spans go to a recording Aggregator (a
 * test double of our own interface): what is checked here is which events are sent, once each.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Aggregator, LinkJob, PseudoSpanRequest, RichObject, SpanEvent, SpanRef } from '../../runtime/aggregator/types.ts';
import { informersSection } from '../../runtime/config/sections/informers.ts';
import { EventController } from '../../runtime/event/controller.ts';
import { createKubeClients } from '../../runtime/k8s/clients.ts';
import { Discovery } from '../../runtime/k8s/discovery.ts';
import { EtcdSpanCache } from '../../runtime/spancache/etcd.ts';
import { createLogger } from '../../runtime/util/log.ts';
import type { WorkerJob } from './event-controller-worker.ts';
import { createTestNamespace, demoDeployment, kubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const kube = kubeClients(env);
const logger = createLogger({ level: 'warn' });
const suffix = Math.random().toString(36).slice(2, 8);
const rest = createKubeClients([{ name: cluster, kubeconfig: env.kube.kubeconfig }]).get(cluster).rest;
const mergePatch = (path: string, body: unknown) => rest.request({ method: 'PATCH', path, body, contentType: 'application/merge-patch+json' });
const etcd = new Etcd3({ hosts: env.etcd.endpoint });
const spanPrefix = `/span-events-${suffix}/`;
/** One store for every controller here, as replicas share theirs. */
const spanCache = new EtcdSpanCache({ prefix: spanPrefix }, { client: etcd });

class RecordingAggregator implements Aggregator {
  sends: Array<{ object: RichObject; event: SpanEvent }> = [];
  async send(object: RichObject, event: SpanEvent): Promise<void> {
    this.sends.push({ object, event });
  }
  async ensureObjectSpan(): Promise<SpanRef> {
    return { traceId: '0'.repeat(32), spanId: '0'.repeat(16) };
  }
  async getOrCreatePseudoSpan(_req: PseudoSpanRequest): Promise<{ span: SpanRef; created: boolean }> {
    return { span: { traceId: '0'.repeat(32), spanId: '0'.repeat(16) }, created: false };
  }
  onLinkJob(_listener: (job: LinkJob) => void): void {}
}

function controllerSection(name: string, configMapName: string, syncInterval = '1s') {
  return { enabled: true, configMapName, configMapSyncInterval: syncInterval, leaderElection: { name, leaseDuration: '6s', renewDeadline: '4s', retryPeriod: '1s' } };
}

function startController(name: string, configMapName: string, identity: string, syncInterval?: string) {
  const clients = createKubeClients([{ name: cluster, kubeconfig: env.kube.kubeconfig }]);
  const registry = new Registry();
  const discovery = new Discovery(clients, logger, registry);
  const aggregator = new RecordingAggregator();
  const config = informersSection.parse({ eventController: controllerSection(name, configMapName, syncInterval) }).eventController;
  const controller = new EventController(config, { clusters: [cluster], clients, discovery, aggregator, spanCache, logger, registry, identity });
  controller.start();
  return {
    controller,
    aggregator,
    registry,
    async stop() {
      await controller.stop();
      discovery.stop();
      clients.close();
    },
  };
}

describe('event controller (real kube-apiserver)', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await createTestNamespace(kube.core, 'events');
  });

  it('writes ScalingReplicaSet event spans under the Deployment, with source and message', async () => {
    const ctl = startController(`evtest-deploy-${suffix}`, `evtest-deploy-${suffix}`, 'solo');
    try {
      await waitFor('leadership', () => ctl.controller.isLeader(cluster));
      await kube.apps.createNamespacedDeployment({ namespace: ns, body: demoDeployment('demo', 2) });
      const sent = await waitFor('a ScalingReplicaSet event span', () =>
        ctl.aggregator.sends.find((s) => s.event.title === 'ScalingReplicaSet' && s.object.namespace === ns && s.object.name === 'demo'),
      );
      expect(sent.object).toMatchObject({ cluster, group: 'apps', version: 'v1', resource: 'deployments', namespace: ns, name: 'demo' });
      expect(sent.event.traceSource).toBe('event');
      expect(sent.event.tags.source).toMatch(/deployment/);
      expect(sent.event.logs[0]).toMatchObject({ type: 'event/message' });
      expect(sent.event.logs[0]!.message).toMatch(/Scaled up replica set demo-\w+ (to|from 0 to) 2/);
      // Pods of the Deployment get events too (Scheduled), under the pod's own trace.
      await waitFor('a pod event span', () => ctl.aggregator.sends.find((s) => s.object.resource === 'pods' && s.object.namespace === ns));
      const cm = await kube.core.readNamespacedConfigMap({ name: `evtest-deploy-${suffix}`, namespace: 'default' });
      await waitFor('progress saved', async () => {
        const latest = await kube.core.readNamespacedConfigMap({ name: `evtest-deploy-${suffix}`, namespace: 'default' });
        return Object.keys(JSON.parse(latest.data?.handled ?? '{}')).length > 0;
      });
      expect(cm.data?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    } finally {
      await ctl.stop();
    }
  });

  it('hands over on leader stop within the lease duration, without duplicate or missing events', async () => {
    const lease = `evtest-failover-${suffix}`;
    const a = startController(lease, lease, `a-${suffix}`);
    const b = startController(lease, lease, `b-${suffix}`);
    const stopped = new Set<string>();
    try {
      const first = await waitFor('one leader', () => (a.controller.isLeader(cluster) ? a : b.controller.isLeader(cluster) ? b : undefined));
      const second = first === a ? b : a;
      expect(second.controller.isLeader(cluster)).toBe(false);

      // Emit numbered Events steadily; stop the leader halfway through.
      const total = 40;
      let handoverMs = 0;
      for (let i = 0; i < total; i++) {
        await createEvent(ns, `failover.${i}`, `Step${i}`, 'failover-test');
        if (i === 12) {
          // A count bump of an already-handled event is a new occurrence; an unrelated update is not.
          await mergePatch(`/api/v1/namespaces/${ns}/events/failover.3`, { count: 2, lastTimestamp: new Date().toISOString() });
          await mergePatch(`/api/v1/namespaces/${ns}/events/failover.4`, { metadata: { labels: { touched: 'yes' } } });
        }
        if (i === total / 2) {
          await waitFor('the leader to have handled the first half', () => first.aggregator.sends.filter((s) => s.object.namespace === ns && s.event.tags.source === 'failover-test').length >= total / 2 - 2);
          const t0 = Date.now();
          await first.stop();
          stopped.add(first === a ? 'a' : 'b');
          await waitFor('the standby to lead', () => second.controller.isLeader(cluster), { intervalMs: 50 });
          handoverMs = Date.now() - t0;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      console.log(`event controller hand-over: standby leading ${handoverMs} ms after the leader was asked to stop`);
      expect(handoverMs).toBeLessThan(6000);

      const ours = (agg: RecordingAggregator) => agg.sends.filter((s) => s.object.namespace === ns && s.event.tags.source === 'failover-test');
      await waitFor('every event handled', () => ours(first.aggregator).length + ours(second.aggregator).length >= total + 1, { timeoutMs: 30_000 });
      // Give a duplicate the chance to show up before counting.
      await new Promise((r) => setTimeout(r, 3000));
      const all = [...ours(first.aggregator), ...ours(second.aggregator)].map((s) => s.event.title);
      const counts = new Map<string, number>();
      for (const t of all) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (let i = 0; i < total; i++) expect(counts.get(`Step${i}`), `Step${i}`).toBe(i === 3 ? 2 : 1);
      expect(all).toHaveLength(total + 1);
      expect(ours(first.aggregator).length).toBeGreaterThan(0);
      expect(ours(second.aggregator).length).toBeGreaterThan(0);
      for (const s of ours(second.aggregator)) expect(s.object).toMatchObject({ group: '', resource: 'configmaps', name: 'subject' });
    } finally {
      if (!stopped.has('a')) await a.stop();
      if (!stopped.has('b')) await b.stop();
    }
  });

  it('a SIGKILLed leader: the new leader does not emit again what the old one emitted since its last checkpoint', async () => {
    const lease = `evtest-kill-${suffix}`;
    // A sync interval longer than the test: the killed leader never saves what it handled.
    const job: WorkerJob = { cluster, kubeconfig: env.kube.kubeconfig, etcdEndpoint: env.etcd.endpoint, spanPrefix, eventController: controllerSection(lease, lease, '120s'), identity: `killed-${suffix}` };
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'event-controller-worker.ts'), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.on('exit', r));
    const sentByChild = () => [...out.matchAll(/^SENT (Kill\d+)$/gm)].map((m) => m[1]!);
    let survivor: ReturnType<typeof startController> | undefined;
    try {
      await waitFor('the child to lead', () => out.includes('LEADING'), { timeoutMs: 30_000 });
      const emit = (i: number) => createEvent(ns, `kill.${i}`, `Kill${i}`, 'kill-test');
      for (let i = 0; i < 10; i++) await emit(i);
      await waitFor('the child to send the first 10 events', () => sentByChild().length >= 10, { timeoutMs: 30_000 });
      child.kill('SIGKILL');
      await exited;
      survivor = startController(lease, lease, `survivor-${suffix}`, '120s');
      await waitFor('the survivor to lead', () => survivor!.controller.isLeader(cluster), { timeoutMs: 30_000 });
      for (let i = 10; i < 15; i++) await emit(i);
      const ours = () => survivor!.aggregator.sends.filter((s) => s.object.namespace === ns && s.event.tags.source === 'kill-test').map((s) => s.event.title);
      await waitFor('the survivor to send the new events', () => ours().filter((t) => Number(t.slice(4)) >= 10).length >= 5, { timeoutMs: 30_000 });
      // Give a repeat the chance to show up before counting.
      await new Promise((r) => setTimeout(r, 3000));
      expect(new Set(sentByChild())).toEqual(new Set(Array.from({ length: 10 }, (_, i) => `Kill${i}`)));
      expect(ours().sort()).toEqual(['Kill10', 'Kill11', 'Kill12', 'Kill13', 'Kill14']);
    } finally {
      child.kill('SIGKILL');
      await survivor?.stop();
    }
  });

  it('a leader SIGKILLed before its event spans were exported: the next leader emits them', async () => {
    const lease = `evtest-unexported-${suffix}`;
    const job: WorkerJob = { cluster, kubeconfig: env.kube.kubeconfig, etcdEndpoint: env.etcd.endpoint, spanPrefix, eventController: controllerSection(lease, lease, '1s'), identity: `unexported-${suffix}`, holdExport: true };
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'event-controller-worker.ts'), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.on('exit', r));
    let survivor: ReturnType<typeof startController> | undefined;
    try {
      await waitFor('the child to lead', () => out.includes('LEADING'), { timeoutMs: 30_000 });
      for (let i = 0; i < 5; i++) await createEvent(ns, `unexported.${i}`, `Held${i}`, 'unexported-test');
      await waitFor('the child to send the 5 events', () => [...out.matchAll(/^SENT Held\d$/gm)].length >= 5, { timeoutMs: 30_000 });
      // Sync interval 1 s: a progress save would have happened by now if the events counted as handled.
      await new Promise((r) => setTimeout(r, 2000));
      child.kill('SIGKILL');
      await exited;
      survivor = startController(lease, lease, `unexported-survivor-${suffix}`, '120s');
      const ours = () => survivor!.aggregator.sends.filter((s) => s.object.namespace === ns && s.event.tags.source === 'unexported-test').map((s) => s.event.title);
      await waitFor('the survivor to emit the unexported events', () => ours().length >= 5, { timeoutMs: 40_000 });
      await new Promise((r) => setTimeout(r, 2000));
      expect(ours().sort()).toEqual(['Held0', 'Held1', 'Held2', 'Held3', 'Held4']);
    } finally {
      child.kill('SIGKILL');
      await survivor?.stop();
    }
  });

  afterAll(async () => {
    etcd.close();
  });
});

async function createEvent(namespace: string, name: string, reason: string, component: string): Promise<void> {
  const now = new Date();
  await kube.core.createNamespacedEvent({
    namespace,
    body: {
      metadata: { name },
      involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'subject' },
      reason,
      message: reason,
      type: 'Normal',
      source: { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    },
  });
}
