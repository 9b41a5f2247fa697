import { describe, expect, it } from 'vitest';
import { keyString } from '../model/objectKey.ts';
import { partitionKey, resolveObject, toMessage } from './object.ts';
import type { AuditEvent } from './types.ts';
import { auditEvent } from './testdata.ts';

describe('audit object, resolved once at the webhook', () => {
  it('carries key, subresource and the request resourceVersion with the message, without the request body', () => {
    const event = { ...auditEvent({ verb: 'patch', subresource: 'status' }), requestObject: { spec: { big: true } } };
    const msg = toMessage({ cluster: 'tracetest', sourceAddr: '10.0.0.1', event, receivedAtMs: 5 });
    expect(msg.object).toEqual({
      cluster: 'tracetest',
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
      namespace: 'default',
      name: 'demo',
      subresource: 'status',
      requestResourceVersion: '100',
    });
    expect(msg.event.requestObject).toBeUndefined();
    expect(event.requestObject).toEqual({ spec: { big: true } });
    expect(msg).toMatchObject({ cluster: 'tracetest', sourceAddr: '10.0.0.1', receivedAtMs: 5 });
    expect(partitionKey(msg)).toBe('tracetest/apps/deployments/default/demo');
  });

  it('spreads events about no one object by audit ID', () => {
    const event = { ...auditEvent({ auditID: 'a-1' }), objectRef: { resource: 'deployments', namespace: 'default' } };
    const msg = toMessage({ cluster: 'tracetest', sourceAddr: '10.0.0.1', event, receivedAtMs: 0 });
    expect(msg.object).toBeUndefined();
    expect(partitionKey(msg)).toBe('tracetest/a-1');
    expect(resolveObject('tracetest', { ...event, responseObject: { kind: 'Status', metadata: { name: 'x' } } })).toBeUndefined();
  });
});

describe('one object, one key across producers', () => {
  const key = (e: AuditEvent) => keyString(resolveObject('c', e)!);
  it("keys a Namespace without a namespace, as watches and Events do (the apiserver puts its name in objectRef's)", () => {
    const e = auditEvent({ group: '', resource: 'namespaces', namespace: 'team-a', name: 'team-a' });
    expect(key(e)).toBe('c//namespaces//team-a');
  });

  it('keys subresource requests (status, scale, binding) as the object itself', () => {
    const base = key(auditEvent({ group: '', resource: 'pods', namespace: 'ns', name: 'p' }));
    for (const subresource of ['status', 'binding', 'scale']) expect(key(auditEvent({ group: '', resource: 'pods', namespace: 'ns', name: 'p', subresource }))).toBe(base);
  });
});
