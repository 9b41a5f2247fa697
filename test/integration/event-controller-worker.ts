/**
 * A leader to SIGKILL for the event controller test: runs one EventController (etcd span cache as the
 * shared emitted-events record) with an aggregator that prints `SENT <reason>` per event span, and
 * prints `LEADING` once it leads. Stdout is a pipe, written synchronously, so what is printed was sent.
 * With `holdExport`, its export barrier never settles: the spans count as sent but never exported.
 *
 *   tsx test/integration/event-controller-worker.ts '<json: WorkerJob>'
 */
import { Etcd3 } from 'etcd3';
import { Registry } from 'prom-client';
import type { Aggregator, RichObject, SpanEvent, SpanRef } from '../../runtime/aggregator/types.ts';
import { informersSection } from '../../runtime/config/sections/informers.ts';
import { EventController } from '../../runtime/event/controller.ts';
import { createKubeClients } from '../../runtime/k8s/clients.ts';
import { Discovery } from '../../runtime/k8s/discovery.ts';
import { EtcdSpanCache } from '../../runtime/spancache/etcd.ts';
import { createLogger } from '../../runtime/util/log.ts';

export interface WorkerJob {
  cluster: string;
  kubeconfig: string;
  etcdEndpoint: string;
  spanPrefix: string;
  /** The eventController config section (leader election, ConfigMap name, sync interval). */
  eventController: Record<string, unknown>;
  identity: string;
  holdExport?: boolean;
}

const job = JSON.parse(process.argv[2]!) as WorkerJob;
const noSpan: SpanRef = { traceId: '0'.repeat(32), spanId: '0'.repeat(16) };
const aggregator: Aggregator = {
  async send(_object: RichObject, event: SpanEvent) {
    process.stdout.write(`SENT ${event.title}\n`);
  },
  ensureObjectSpan: async () => noSpan,
  getOrCreatePseudoSpan: async () => ({ span: noSpan, created: false }),
  onLinkJob: () => {},
};
const logger = createLogger({ level: 'warn' });
const registry = new Registry();
const clients = createKubeClients([{ name: job.cluster, kubeconfig: job.kubeconfig }]);
const spanCache = new EtcdSpanCache({ prefix: job.spanPrefix }, { client: new Etcd3({ hosts: job.etcdEndpoint }) });
const config = informersSection.parse({ eventController: job.eventController }).eventController;
const exported = job.holdExport ? { dropped: () => 0, settled: () => new Promise<void>(() => {}) } : undefined;
const deps = { clusters: [job.cluster], clients, discovery: new Discovery(clients, logger, registry), aggregator, spanCache, logger, registry, identity: job.identity, exported };
const controller = new EventController(config, deps);
controller.start();
const poll = setInterval(() => {
  if (!controller.isLeader(job.cluster)) return;
  process.stdout.write('LEADING\n');
  clearInterval(poll);
}, 100);
// Runs until killed.
