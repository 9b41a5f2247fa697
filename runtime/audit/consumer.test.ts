import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Aggregator, RichObject, SpanEvent } from '../aggregator/types.ts';
import { parseConfig } from '../config/load.ts';
import { nullLogger } from '../util/log.ts';
import { AuditConsumer } from './consumer.ts';
import type { AuditDecorator, AuditDecoratorInput } from './decorator.ts';
import { AuditFilter } from './filter.ts';
import { toMessage } from './object.ts';
import { auditEvent } from './testdata.ts';

function setup(decorators: AuditDecorator[]) {
  const audit = parseConfig({ clusters: [{ name: 'tracetest' }], tracer: { otlpEndpoint: 'x:1' }, audit: {} }).audit!;
  const sent: { object: RichObject; span: SpanEvent }[] = [];
  const aggregator = { send: async (object: RichObject, span: SpanEvent) => void sent.push({ object, span }) } as unknown as Aggregator;
  const consumer = new AuditConsumer(audit.consumer, { filter: new AuditFilter(audit), aggregator, decorators, registry: new Registry(), logger: nullLogger });
  return { consumer, sent };
}

describe('audit consumer', () => {
  it('applies what decorators return, in order, and records a failing decorator on the span', async () => {
    const seen: AuditDecoratorInput[] = [];
    const { consumer, sent } = setup([
      (input) => {
        seen.push(input);
        return { tags: { a: '1', b: '1' }, logs: [{ type: 'realVerbose', message: 'first' }] };
      },
      () => {
        throw new Error('boom');
      },
      async () => ({ tags: { b: '2' }, logs: [{ type: 'realVerbose', message: 'second' }] }),
      () => undefined,
    ]);
    const msg = toMessage({ cluster: 'tracetest', sourceAddr: '127.0.0.1', event: auditEvent({ name: 'deco' }), receivedAtMs: Date.now() });
    await consumer.handle(msg, 0);
    expect(seen).toEqual([{ message: msg, object: msg.object }]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.object).toMatchObject({ cluster: 'tracetest', resource: 'deployments', name: 'deco' });
    expect(sent[0]!.span.tags).toMatchObject({ a: '1', b: '2', auditId: msg.event.auditID });
    expect(sent[0]!.span.logs).toEqual([
      { type: 'realVerbose', message: 'first' },
      { type: 'kelemetryError', message: 'decorator failed: boom' },
      { type: 'realVerbose', message: 'second' },
    ]);
  });

  it('sends nothing for filtered events or events about no object', async () => {
    const { consumer, sent } = setup([]);
    await consumer.handle(toMessage({ cluster: 'tracetest', sourceAddr: '', event: auditEvent({ verb: 'get' }), receivedAtMs: 0 }), 0);
    await consumer.handle(toMessage({ cluster: 'tracetest', sourceAddr: '', event: { ...auditEvent(), objectRef: undefined }, receivedAtMs: 0 }), 0);
    expect(sent).toEqual([]);
  });
});
