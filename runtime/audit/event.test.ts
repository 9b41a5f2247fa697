import { describe, expect, it } from 'vitest';
import { AuditFilter } from './filter.ts';
import { auditTitle, toAuditSpan } from './event.ts';
import { partitionKey, resolveObject, toMessage } from './object.ts';
import { parseConfig } from '../config/load.ts';
import { auditEvent } from './testdata.ts';
import type { AuditEvent } from './types.ts';

/** The message as the webhook queues it (object resolved there). */
const msg = (e = auditEvent(), cluster = 'tracetest') => toMessage({ cluster, sourceAddr: '127.0.0.1', event: e, receivedAtMs: Date.now() });
const toSpan = (e: AuditEvent, ignoreImpersonatedUser: boolean) => {
  const m = msg(e);
  return m.object && toAuditSpan(m, m.object, ignoreImpersonatedUser);
};

describe('audit span title', () => {
  it('is "<user> <verb>[ <subresource>][ (<status text>)]" with Go status texts', () => {
    expect(auditTitle(auditEvent({ user: 'kwok-admin', verb: 'update', subresource: 'status' }), 'kwok-admin')).toBe('kwok-admin update status');
    expect(auditTitle(auditEvent({ verb: 'delete', code: 404 }), 'alice')).toBe('alice delete (Not Found)');
    expect(auditTitle(auditEvent({ verb: 'create', code: 409 }), 'bob')).toBe('bob create (Conflict)');
    expect(auditTitle(auditEvent({ verb: 'patch', code: 413 }), 'bob')).toBe('bob patch (Request Entity Too Large)');
    expect(auditTitle(auditEvent({ verb: 'patch', code: 201 }), 'bob')).toBe('bob patch');
    expect(auditTitle(auditEvent({ verb: 'patch', code: null }), 'bob')).toBe('bob patch');
  });
  it('uses the impersonated user unless told not to', () => {
    const e = { ...auditEvent(), impersonatedUser: { username: 'mallory' } };
    expect(toSpan(e, false)!.span.title).toBe('mallory update');
    expect(toSpan(e, true)!.span.tags.username).toBe('alice');
  });
});

describe('audit span tags and object', () => {
  it('writes the spec 3.5 tags', () => {
    const e = auditEvent({ user: 'alice', verb: 'patch', code: 200 });
    e.sourceIPs = ['1.1.1.1', '2.2.2.2', '3.3.3.3'];
    const { span, object } = toSpan(e, false)!;
    expect(span.tags).toEqual({
      auditId: e.auditID,
      username: 'alice',
      userAgent: 'kubectl/v1.33.1',
      responseCode: '200',
      resourceVersion: '100',
      apiserver: '127.0.0.1',
      tag: 'patch',
      sourceIP: '1.1.1.1',
      proxy: '[2.2.2.2 3.3.3.3]',
    });
    expect(object).toMatchObject({ cluster: 'tracetest', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name: 'demo' });
    expect(span.startMs).toBe(Date.parse(e.requestReceivedTimestamp!));
    expect(span.endMs).toBe(Date.parse(e.stageTimestamp!));
  });
  it('infers the name of generateName creates from the response, and keeps raw only for the object itself', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'demo-abc12', namespace: 'default', uid: 'u1' } };
    const e = auditEvent({ verb: 'create', group: '', resource: 'pods', name: '', responseObject: pod });
    const object = resolveObject('tracetest', e);
    expect(object).toMatchObject({ name: 'demo-abc12', uid: 'u1' });
    // objectRef.resourceVersion was the request's, not this object's: the object carries no version of its own.
    expect(object).not.toHaveProperty('resourceVersion');
    expect(partitionKey(msg(e))).toBe('tracetest//pods/default/demo-abc12');
    expect(toSpan(e, false)!.object.raw).toEqual(pod);
    const scale = auditEvent({ verb: 'patch', subresource: 'scale', responseObject: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'demo' } } });
    expect(toSpan(scale, false)!.object.raw).toBeUndefined();
    const status = auditEvent({ verb: 'delete', responseObject: { apiVersion: 'v1', kind: 'Status', status: 'Success' } });
    expect(toSpan(status, false)!.object.raw).toBeUndefined();
    expect(resolveObject('tracetest', { ...auditEvent(), objectRef: undefined })).toBeUndefined();
  });
});

describe('audit filter', () => {
  const cfg = parseConfig({
    clusters: [{ name: 'tracetest' }],
    tracer: { otlpEndpoint: 'x:1' },
    audit: { filter: { excludeUsers: ['^system:node:'], excludeNamespaces: ['^kube-'], excludeObjects: ['/secrets/'], excludeClusters: ['other'] } },
  }).audit!;
  const f = new AuditFilter(cfg);
  const check = (cluster: string, e: AuditEvent) => f.test(msg(e, cluster));
  it('keeps writes at ResponseComplete and drops the rest with a reason', () => {
    expect(check('tracetest', auditEvent())).toBeUndefined();
    expect(check('tracetest', auditEvent({ verb: 'get' }))).toBe('verb');
    expect(check('tracetest', auditEvent({ stage: 'RequestReceived' }))).toBe('stage');
    expect(check('other', auditEvent())).toBe('cluster');
    expect(check('tracetest', auditEvent({ group: 'coordination.k8s.io', resource: 'leases' }))).toBe('type');
    expect(check('tracetest', auditEvent({ group: '', resource: 'events' }))).toBe('type');
    expect(check('tracetest', auditEvent({ user: 'system:node:n1' }))).toBe('user');
    expect(check('tracetest', auditEvent({ namespace: 'kube-system' }))).toBe('namespace');
    expect(check('tracetest', auditEvent({ group: '', resource: 'secrets' }))).toBe('object');
    expect(check('tracetest', { ...auditEvent(), userAgent: 'kube-controller-manager/v1.33 (linux/amd64)/leader-election' })).toBe('userAgent');
    expect(check('tracetest', { ...auditEvent(), objectRef: undefined })).toBe('noObject');
  });
});

describe('audit span ID', () => {
  it('is derived from cluster, audit ID and stage, so a redelivered event writes the same span', () => {
    const e = auditEvent();
    const first = toAuditSpan(msg(e), msg(e).object!, false).span.spanId;
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(toAuditSpan(msg(e), msg(e).object!, false).span.spanId).toBe(first);
    expect(toAuditSpan(msg(e, 'other'), msg(e, 'other').object!, false).span.spanId).not.toBe(first);
    expect(toAuditSpan(msg({ ...e, stage: 'ResponseStarted' }), msg(e).object!, false).span.spanId).not.toBe(first);
    expect(toAuditSpan(msg({ ...e, auditID: undefined }), msg(e).object!, false).span.spanId).toBeUndefined();
  });
});
