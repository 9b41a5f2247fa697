/**
 * The audit pipeline as one component: it builds the parts and wires them one way,
 *
 *   webhook ──► (envelope filter) partitioned queue (memory, or Redis Streams) ──► consumer workers ──► aggregator
 *      └──► observers (kelemetrix, dump), forwarder       filter reload + dynamic filter ConfigMaps (pipelineParts.ts)
 *
 * and stops them in that order: the webhook refuses new batches (503) and finishes the ones in flight,
 * the forwarder finishes its requests, the queue drains for up to ten seconds, and whatever is left is
 * counted and logged (memory; the Redis queue leaves unread entries to the other replicas).
 */
import type { Registry } from 'prom-client';
import type { Aggregator } from '../aggregator/types.ts';
import type { RunningComponent } from '../component/types.ts';
import type { ClusterConfig } from '../config/schema.ts';
import type { AuditConfig } from '../config/sections/audit.ts';
import { counter } from '../metrics/define.ts';
import { formatHostPort, type HostPort } from '../util/hostPort.ts';
import type { Logger } from '../util/log.ts';
import { ClusterResolver } from './clusterResolver.ts';
import { AuditConsumer } from './consumer.ts';
import type { AuditDecorator } from './decorator.ts';
import { AuditFilter } from './filter.ts';
import { AuditForwarder } from './forward.ts';
import { PipelineParts } from './pipelineParts.ts';
import { createAuditQueue, type AuditQueue, type ExportBarrier } from './queue/index.ts';
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
  /** Durable queue: entries are acked once this says the spans written are exported (the tracer's processor). */
  barrier?: ExportBarrier;
}

export interface RunningAuditPipeline extends RunningComponent {
  /** Webhook base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  queue?: AuditQueue<AuditMessage>;
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
  const queue = aggregator ? await createAuditQueue<AuditMessage>(config.queue, config.consumer.group, { registry, logger, barrier: deps.barrier }) : undefined;
  const parts = new PipelineParts(config, { clusters: deps.clusters, filter, registry, logger, observe: deps.observe, reload: deps.reload });
  const consumer = aggregator && queue ? new AuditConsumer(config.consumer, { filter, aggregator, decorators, registry, logger, infer: parts.infer, backlog: () => queue.depth }) : undefined;
  const forwarder = config.webhook.forward.length > 0 ? new AuditForwarder(config.webhook.forward, { registry, logger }) : undefined;
  let webhook: AuditWebhook | undefined;
  if (config.webhook.enabled) {
    const webhookConfig = deps.listen ? { ...config.webhook, listen: formatHostPort(deps.listen) } : config.webhook;
    webhook = new AuditWebhook(webhookConfig, { resolver: new ClusterResolver(deps.clusters), filter, queue, observe: parts.observe, forwarder, registry, logger });
  }

  if (queue && consumer) queue.start((msg, partition) => consumer.handle(msg, partition));
  try {
    parts.start();
    await webhook?.start();
  } catch (err) {
    await parts.stop();
    await queue?.stop(0);
    parts.close();
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
    terminating: () => webhook?.terminating(),
    stop: async () => {
      running = false;
      await webhook?.stop();
      await parts.stop();
      await forwarder?.stop();
      if (queue) {
        const left = await queue.stop(drainMs);
        if (left > 0) {
          abandoned.inc(left);
          logger.error('audit events abandoned at shutdown (the apiserver does not resend accepted batches)', { events: left });
        }
      }
      parts.close();
    },
  };
}
