/**
 * The audit consumer (spec 5.5): for each queued message, filter, build the audit span, apply what the
 * audit decorators return, and send it through the aggregator. Failures are logged with the cluster,
 * object and audit ID, and counted; they never stop the partition.
 */
import type { Registry } from 'prom-client';
import type { Aggregator, RichObject, SpanEvent } from '../aggregator/types.ts';
import type { AuditConsumerConfig } from '../config/sections/audit.ts';
import { counter, histogram, summary } from '../metrics/define.ts';
import { LogType } from '../model/constants.ts';
import { keyString } from '../model/objectKey.ts';
import type { Logger } from '../util/log.ts';
import { applyDecoration, type AuditDecorator } from './decorator.ts';
import { toAuditSpan } from './event.ts';
import type { AuditFilter } from './filter.ts';
import type { ObjectInference } from './infer.ts';
import { TimeSlicer } from './slice.ts';
import type { AuditMessage, AuditObject } from './types.ts';

export interface AuditConsumerDeps {
  filter: AuditFilter;
  aggregator: Aggregator;
  /** Live list: decorators added after start apply to later events. */
  decorators: AuditDecorator[];
  registry: Registry;
  logger: Logger;
  /** Finds the object of an event whose objectRef has no resource (discovery; `audit.consumer.inferObjectRef`). */
  infer?: ObjectInference;
  /** Events taken in and not yet handled (the queue's depth): above `slice.backlog` the consumer does not yield. */
  backlog?: () => number;
}

/**
 * The consumer gives the event loop a turn after 10 ms of work or 32 events started, so a webhook batch's
 * first spans are sent (and earlier exports acknowledged) while the rest of the batch is still being handled.
 * Not while more than 1,000 events wait: the consumer is behind, their wait dominates their latency, and a
 * turn would only let the webhook take in more batches (memory) and export in smaller pieces (CPU).
 */
const slice = { ms: 10, events: 32, backlog: 1_000 };

export class AuditConsumer {
  private readonly group: string;
  private readonly ignoreImpersonatedUser: boolean;
  private readonly filter: AuditFilter;
  private readonly aggregator: Aggregator;
  private readonly decorators: AuditDecorator[];
  private readonly logger: Logger;
  private readonly infer: ObjectInference | undefined;
  private readonly metrics;
  private readonly slicer = new TimeSlicer(slice.ms, slice.events);
  private readonly backlog: () => number;

  constructor(config: AuditConsumerConfig, deps: AuditConsumerDeps) {
    this.group = config.group;
    this.ignoreImpersonatedUser = config.ignoreImpersonatedUser;
    this.filter = deps.filter;
    this.aggregator = deps.aggregator;
    this.decorators = deps.decorators;
    this.logger = deps.logger;
    this.infer = deps.infer;
    this.backlog = deps.backlog ?? (() => 0);
    const r = deps.registry;
    this.metrics = {
      event: histogram(r, 'audit_consumer_event', 'Audit events consumed (seconds); hasTrace once a span was attempted', [
        'cluster',
        'consumerGroup',
        'partition',
        'hasTrace',
        'error',
      ]),
      filtered: counter(r, 'audit_consumer_filtered_total', 'Audit events dropped by the filter, by reason', ['cluster', 'reason']),
      e2e: summary(r, 'audit_consumer_e2e_latency', 'Seconds from the audit stageTimestamp to the span being sent', ['cluster', 'apiGroup', 'resource']),
      sinceReceipt: histogram(r, 'audit_consumer_receipt_latency', 'Seconds from webhook receipt to the span being sent (queue wait included)', ['cluster']),
    };
  }

  /** False when the span could not be written (a durable queue delivers the event again). */
  async handle(queued: AuditMessage, partition: number): Promise<boolean> {
    for (let turn = this.turn(); turn; turn = this.turn()) await turn;
    const inferred = !queued.object && this.infer ? await this.infer(queued) : undefined;
    const msg = inferred ? { ...queued, object: inferred } : queued;
    const { cluster, event, object } = msg;
    const end = this.metrics.event.startTimer({ cluster, consumerGroup: this.group, partition: String(partition) });
    const reason = this.filter.test(msg);
    if (reason || !object) {
      // The filter drops events without an object; `!object` only narrows the type.
      this.metrics.filtered.inc({ cluster, reason: reason ?? 'noObject' });
      end({ hasTrace: 'false', error: '' });
      return true;
    }
    const input = toAuditSpan(msg, object, this.ignoreImpersonatedUser);
    await this.decorate(msg, object, input.span);
    const stageMs = event.stageTimestamp ? Date.parse(event.stageTimestamp) : NaN;
    if (Number.isFinite(stageMs)) {
      const apiGroup = object.group ? `${object.group}/${object.version}` : object.version;
      this.metrics.e2e.observe({ cluster, apiGroup, resource: object.resource }, (Date.now() - stageMs) / 1000);
    }
    const error = await this.send(msg, input.object, input.span);
    end({ hasTrace: 'true', error });
    return error === '';
  }

  /** A turn of the event loop to wait for first, or undefined (see `slice`). */
  private turn(): Promise<void> | undefined {
    return this.backlog() > slice.backlog ? undefined : this.slicer.turn();
  }

  private async decorate(message: AuditMessage, object: AuditObject, span: SpanEvent): Promise<void> {
    for (const decorate of this.decorators) {
      try {
        applyDecoration(span, await decorate({ message, object }));
      } catch (err) {
        // The span is still written, carrying the failure where a reader will see it.
        this.logger.error('audit decorator failed', { cluster: message.cluster, object: keyString(object), auditId: message.event.auditID, err });
        span.logs.push({ type: LogType.kelemetryError, message: `decorator failed: ${(err as Error).message}` });
      }
    }
  }

  /** '' when sent, else the `error` label. */
  private async send(msg: AuditMessage, object: RichObject, span: SpanEvent): Promise<'' | 'send'> {
    try {
      await this.aggregator.send(object, span);
      this.metrics.sinceReceipt.observe({ cluster: msg.cluster }, (Date.now() - msg.receivedAtMs) / 1000);
      return '';
    } catch (err) {
      this.logger.error('audit span not written', { cluster: msg.cluster, object: keyString(object), auditId: msg.event.auditID, err });
      return 'send';
    }
  }
}
