/**
 * The audit consumer (spec 5.5): for each queued event, filter, build the audit span, run the audit
 * decorators, and send it through the aggregator. Failures are logged with the cluster, object and
 * audit ID, and counted; they never stop the partition.
 */
import type { Registry } from 'prom-client';
import { LogType } from '../model/constants.ts';
import { keyString } from '../model/objectKey.ts';
import type { Aggregator } from '../aggregator/types.ts';
import type { AuditConsumerConfig } from '../config/sections/audit.ts';
import { counter, histogram, summary } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';
import type { AuditDecorator } from './decorator.ts';
import { toAuditSpan } from './event.ts';
import type { AuditFilter } from './filter.ts';
import type { AuditMessage } from './types.ts';

export interface AuditConsumerOptions {
  config: AuditConsumerConfig;
  filter: AuditFilter;
  aggregator: Aggregator;
  /** Live list: decorators added after start apply to later events. */
  decorators: AuditDecorator[];
  registry: Registry;
  logger: Logger;
}

export class AuditConsumer {
  private readonly metrics;

  constructor(private readonly opts: AuditConsumerOptions) {
    const r = opts.registry;
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

  async handle(msg: AuditMessage, partition: number): Promise<void> {
    const { cluster, event } = msg;
    const end = this.metrics.event.startTimer({ cluster, consumerGroup: this.opts.config.group, partition: String(partition) });
    const reason = this.opts.filter.test(cluster, event);
    if (reason) {
      this.metrics.filtered.inc({ cluster, reason });
      end({ hasTrace: 'false', error: '' });
      return;
    }
    const input = toAuditSpan(msg, this.opts.config.ignoreImpersonatedUser);
    if (!input) {
      // The filter already drops events without an object; this is a defensive check.
      this.metrics.filtered.inc({ cluster, reason: 'noObject' });
      end({ hasTrace: 'false', error: '' });
      return;
    }
    for (const decorate of this.opts.decorators) {
      try {
        await decorate({ message: msg, ...input });
      } catch (err) {
        // The span is still written, carrying the failure where a reader will see it.
        this.opts.logger.error('audit decorator failed', { cluster, object: keyString(input.object), auditId: event.auditID, err: err });
        input.span.logs.push({ type: LogType.kelemetryError, message: `decorator failed: ${(err as Error).message}` });
      }
    }
    const stageMs = event.stageTimestamp ? Date.parse(event.stageTimestamp) : NaN;
    if (Number.isFinite(stageMs)) {
      const apiGroup = input.object.group ? `${input.object.group}/${input.object.version}` : input.object.version;
      this.metrics.e2e.observe({ cluster, apiGroup, resource: input.object.resource }, (Date.now() - stageMs) / 1000);
    }
    try {
      await this.opts.aggregator.send(input.object, input.span);
      this.metrics.sinceReceipt.observe({ cluster }, (Date.now() - msg.receivedAtMs) / 1000);
      end({ hasTrace: 'true', error: '' });
    } catch (err) {
      this.opts.logger.error('audit span not written', { cluster, object: keyString(input.object), auditId: event.auditID, err: err });
      end({ hasTrace: 'true', error: 'send' });
    }
  }
}
