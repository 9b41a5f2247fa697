/** The webhook in front of a durable queue whose store is down: 503 with Retry-After, counted, nothing claimed accepted. */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.ts';
import { nullLogger } from '../../util/log.ts';
import { ClusterResolver } from '../clusterResolver.ts';
import { AuditFilter } from '../filter.ts';
import { auditEvent, eventList } from '../testdata.ts';
import type { AuditMessage } from '../types.ts';
import { AuditWebhook } from '../webhook.ts';
import type { AuditQueue, EnqueueResult } from './types.ts';

let webhook: AuditWebhook | undefined;
afterEach(async () => {
  await webhook?.stop();
  webhook = undefined;
});

function stubQueue(answer: () => EnqueueResult): AuditQueue<AuditMessage> & { stored: number } {
  return {
    backend: 'redis',
    partitions: 4,
    capacity: 100,
    isClosed: false,
    depth: 0,
    stored: 0,
    enqueueAll(items) {
      const result = answer();
      if (result.status === 'accepted') this.stored += items.length;
      return Promise.resolve(result);
    },
    start: () => {},
    stop: () => Promise.resolve(0),
  };
}

describe('webhook over an unavailable durable queue', () => {
  it('answers 503 with Retry-After while Redis is down, and 200 once it stores again', async () => {
    const config = parseConfig({ clusters: [{ name: 'east' }], tracer: { otlpEndpoint: '127.0.0.1:1' }, audit: { webhook: { listen: '127.0.0.1:0' } } });
    let down = true;
    const queue = stubQueue(() => (down ? { status: 'unavailable', reason: 'connect ECONNREFUSED 127.0.0.1:6379' } : { status: 'accepted' }));
    const registry = new Registry();
    webhook = new AuditWebhook(config.audit!.webhook, { resolver: new ClusterResolver(config.clusters), filter: new AuditFilter(config.audit!), queue, registry, logger: nullLogger });
    await webhook.start();
    const body = JSON.stringify(eventList([auditEvent()]));
    const refused = await fetch(`${webhook.url}/audit/east`, { method: 'POST', body });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.text()).toContain('ECONNREFUSED');
    const events = (await registry.getSingleMetric('audit_webhook_events_total')!.get()).values;
    expect(events.find((v) => v.labels.result === 'refused')?.value).toBe(1);
    expect(queue.stored).toBe(0);

    down = false;
    expect((await fetch(`${webhook.url}/audit/east`, { method: 'POST', body })).status).toBe(200);
    expect(queue.stored).toBe(1);
  });
});
