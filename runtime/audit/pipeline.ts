/**
 * The audit pipeline as one component: webhook → (envelope filter) → bounded partitioned queue →
 * consumer workers → aggregator; plus forwarding of accepted batches. Stops in that order: the
 * webhook refuses new batches (503) and finishes the ones in flight, the queue drains for up to
 * `drainMs`, and whatever is left is counted and logged.
 */
import type { Registry } from 'prom-client';
import type { Aggregator } from '../aggregator/types.ts';
import type { ClusterConfig } from '../config/schema.ts';
import type { AuditConfig } from '../config/sections/audit.ts';
import { counter } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';
import type { RunningComponent } from '../component/types.ts';
import { ClusterResolver } from './clusterResolver.ts';
import { AuditConsumer } from './consumer.ts';
import type { AuditDecorator } from './decorator.ts';
import { partitionKey } from './event.ts';
import { AuditFilter } from './filter.ts';
import { AuditForwarder } from './forward.ts';
import { PartitionedQueue } from './queue.ts';
import type { AuditMessage, EventList } from './types.ts';
import { startWebhook, type AcceptResult } from './webhook.ts';

export interface AuditPipelineOptions {
  config: AuditConfig;
  clusters: ClusterConfig[];
  /** Required when the consumer is enabled. */
  aggregator?: Aggregator;
  decorators?: AuditDecorator[];
  registry: Registry;
  logger: Logger;
  listen?: { host: string; port: number };
  /** How long stop() lets the queue drain. */
  drainMs?: number;
  /**
   * Sees every event of every accepted batch, before filtering (kelemetrix counts reads and all
   * stages too). Not called for refused batches, which the apiserver sends again.
   */
  observe?: (message: AuditMessage) => void;
}

export interface RunningAuditPipeline extends RunningComponent {
  /** Webhook base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  queue?: PartitionedQueue<AuditMessage>;
  /** Decorators applied to every audit span (append to add one). */
  decorators: AuditDecorator[];
}

export async function startAuditPipeline(opts: AuditPipelineOptions): Promise<RunningAuditPipeline> {
  const { config, registry } = opts;
  const logger = opts.logger.child({ component: 'audit' });
  const decorators = opts.decorators ?? [];
  const filter = new AuditFilter(config.filter, config.consumer);
  const abandoned = counter(registry, 'audit_queue_abandoned_total', 'Queued audit events not processed before shutdown', []);

  let queue: PartitionedQueue<AuditMessage> | undefined;
  if (config.consumer.enabled) {
    if (!opts.aggregator) throw new Error('audit consumer is enabled but no aggregator was built (configure tracer)');
    queue = new PartitionedQueue<AuditMessage>(config.queue.partitions, config.queue.capacity, registry, logger, config.consumer.group);
    const consumer = new AuditConsumer({ config: config.consumer, filter, aggregator: opts.aggregator, decorators, registry, logger });
    queue.start((msg, partition) => consumer.handle(msg, partition));
  }

  const accept = (cluster: string, sourceAddr: string, list: EventList, receivedAtMs: number): AcceptResult => {
    const result = enqueue(cluster, sourceAddr, list, receivedAtMs);
    if (result.status === 'accepted' && opts.observe) {
      for (const event of list.items) opts.observe({ cluster, sourceAddr, event, receivedAtMs });
    }
    return result;
  };

  const enqueue = (cluster: string, sourceAddr: string, list: EventList, receivedAtMs: number): AcceptResult => {
    if (!queue) return { status: 'accepted', queued: 0, filtered: list.items.length };
    if (queue.isClosed) return { status: 'closed' };
    const items: { key: string; value: AuditMessage }[] = [];
    for (const event of list.items) {
      if (filter.testEnvelope(cluster, event)) continue;
      // The request body is not used past this point (spans are built from objectRef, responseStatus and
      // responseObject); dropping it roughly halves the memory a full queue holds.
      const { requestObject: _unused, ...kept } = event;
      items.push({ key: partitionKey(cluster, event), value: { cluster, sourceAddr, event: kept, receivedAtMs } });
    }
    const filtered = list.items.length - items.length;
    if (items.length === 0) return { status: 'accepted', queued: 0, filtered };
    if (items.length > queue.capacity) return { status: 'tooLarge', events: items.length, capacity: queue.capacity };
    return queue.tryEnqueueAll(items) ? { status: 'accepted', queued: items.length, filtered } : { status: 'full' };
  };

  const forwarder = config.webhook.forward.length > 0 ? new AuditForwarder(config.webhook.forward, registry, logger) : undefined;
  let webhook: Awaited<ReturnType<typeof startWebhook>> | undefined;
  if (config.webhook.enabled) {
    webhook = await startWebhook({
      config: config.webhook,
      resolver: new ClusterResolver(opts.clusters),
      accept,
      forwarder,
      registry,
      logger,
      listen: opts.listen,
    });
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
      if (queue) {
        const left = await queue.stop(opts.drainMs ?? 10_000);
        if (left > 0) {
          abandoned.inc(left);
          logger.error('audit events abandoned at shutdown (the apiserver does not resend accepted batches)', { events: left });
        }
      }
    },
  };
}
