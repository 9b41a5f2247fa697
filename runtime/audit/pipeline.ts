/**
 * The audit pipeline as one component: it builds the parts and wires them one way,
 *
 *   webhook ──► (envelope filter) bounded partitioned queue ──► consumer workers ──► aggregator
 *      └──► observer (kelemetrix), forwarder
 *
 * and stops them in that order: the webhook refuses new batches (503) and finishes the ones in flight,
 * the forwarder finishes its requests, the queue drains for up to ten seconds, and whatever is left is
 * counted and logged.
 */
import type { Registry } from 'prom-client';
import type { Aggregator } from '../aggregator/types.ts';
import type { RunningComponent } from '../component/types.ts';
import type { ClusterConfig } from '../config/schema.ts';
import type { AuditConfig } from '../config/sections/audit.ts';
import { createKubeClients } from '../k8s/clients.ts';
import { counter } from '../metrics/define.ts';
import { formatHostPort, type HostPort } from '../util/hostPort.ts';
import type { Logger } from '../util/log.ts';
import { ClusterResolver } from './clusterResolver.ts';
import { AuditConsumer } from './consumer.ts';
import type { AuditDecorator } from './decorator.ts';
import { AuditFilter } from './filter.ts';
import { AuditDump } from './dump.ts';
import { DynamicFilterWatcher } from './dynamicFilter.ts';
import { FilterReloader } from './filterReload.ts';
import { AuditForwarder } from './forward.ts';
import { PartitionedQueue } from './queue.ts';
import type { AuditMessage, ReceivedAuditEvent } from './types.ts';
import { AuditWebhook } from './webhook.ts';

/** How long stop() lets the queue drain. */
const drainMs = 10_000;

export interface AuditPipelineDeps {
  clusters: ClusterConfig[];
  /** Required when the consumer is enabled. */
  aggregator?: Aggregator;
  decorators?: AuditDecorator[];
  registry: Registry;
  logger: Logger;
  /** Overrides `audit.webhook.listen` (tests bind 127.0.0.1:0). */
  listen?: HostPort;
  /**
   * Sees every event of every accepted batch, before filtering (kelemetrix counts reads and all
   * stages too). Not called for refused batches, which the apiserver sends again.
   */
  observe?: (received: ReceivedAuditEvent) => void;
  /** Reads the config again, for applying a changed `audit.filter` without a restart (`kelemetry run` passes it). */
  reload?: () => AuditConfig | undefined;
}

export interface RunningAuditPipeline extends RunningComponent {
  /** Webhook base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  queue?: PartitionedQueue<AuditMessage>;
  /** Decorators applied to every audit span (append to add one). */
  decorators: AuditDecorator[];
}

export async function startAuditPipeline(config: AuditConfig, deps: AuditPipelineDeps): Promise<RunningAuditPipeline> {
  const { registry } = deps;
  const logger = deps.logger.child({ component: 'audit' });
  const decorators = deps.decorators ?? [];
  const filter = new AuditFilter(config);
  const abandoned = counter(registry, 'audit_queue_abandoned_total', 'Queued audit events not processed before shutdown', []);

  const aggregator = config.consumer.enabled ? deps.aggregator : undefined;
  if (config.consumer.enabled && !aggregator) throw new Error('audit consumer is enabled but no aggregator was built (configure tracer)');
  const queue = aggregator ? new PartitionedQueue<AuditMessage>({ ...config.queue, consumerGroup: config.consumer.group }, { registry, logger }) : undefined;
  const consumer = aggregator ? new AuditConsumer(config.consumer, { filter, aggregator, decorators, registry, logger }) : undefined;
  const forwarder = config.webhook.forward.length > 0 ? new AuditForwarder(config.webhook.forward, { registry, logger }) : undefined;
  const dumpFile = config.dump.file;
  const dump = dumpFile ? new AuditDump({ ...config.dump, file: dumpFile }, { registry, logger }) : undefined;
  const observers = [dump?.record, deps.observe].filter((o) => o !== undefined);
  const observe = observers.length > 0 ? (r: ReceivedAuditEvent) => observers.forEach((o) => o(r)) : undefined;
  let webhook: AuditWebhook | undefined;
  if (config.webhook.enabled) {
    const webhookConfig = deps.listen ? { ...config.webhook, listen: formatHostPort(deps.listen) } : config.webhook;
    webhook = new AuditWebhook(webhookConfig, { resolver: new ClusterResolver(deps.clusters), filter, queue, observe, forwarder, registry, logger });
  }

  if (queue && consumer) queue.start((msg, partition) => consumer.handle(msg, partition));
  let filterLoops: { stop(): Promise<void> } | undefined;
  try {
    filterLoops = startFilterLoops(config, deps, filter, logger);
    await webhook?.start();
  } catch (err) {
    await filterLoops?.stop();
    await dump?.stop();
    await queue?.stop(0);
    throw err;
  }

  let running = true;
  return {
    name: 'audit',
    url: webhook?.url ?? '',
    port: webhook?.port ?? 0,
    queue,
    decorators,
    ready: () => running,
    stop: async () => {
      running = false;
      await webhook?.stop();
      await filterLoops?.stop();
      await dump?.stop();
      await forwarder?.stop();
      if (queue) {
        const left = await queue.stop(drainMs);
        if (left > 0) {
          abandoned.inc(left);
          logger.error('audit events abandoned at shutdown (the apiserver does not resend accepted batches)', { events: left });
        }
      }
    },
  };
}

/** The dynamic filter watches (one per cluster) and the config reloader, when configured; stop() ends both. */
function startFilterLoops(config: AuditConfig, deps: AuditPipelineDeps, filter: AuditFilter, logger: AuditPipelineDeps['logger']): { stop(): Promise<void> } {
  const { registry } = deps;
  const reloader = deps.reload ? new FilterReloader({ filter, initial: config, load: deps.reload, intervalMs: config.filter.reloadInterval, logger, registry }) : undefined;
  reloader?.start();
  const { dynamic } = config.filter;
  const clients = dynamic.enabled ? createKubeClients(deps.clusters) : undefined;
  const watcher = clients ? new DynamicFilterWatcher({ ...dynamic, clients, filter, logger, registry }) : undefined;
  watcher?.start();
  return {
    async stop() {
      await reloader?.stop();
      await watcher?.stop();
      clients?.close();
    },
  };
}
