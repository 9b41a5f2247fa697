/** Audit events as the kube-apiserver writes them, for tests and the benchmark. */
import type { AuditEvent, EventList } from './types.ts';

export interface EventSpec {
  verb?: string;
  user?: string;
  group?: string;
  version?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  code?: number | null;
  stage?: string;
  time?: Date;
  responseObject?: unknown;
  auditID?: string;
}

let seq = 0;

export function auditEvent(s: EventSpec = {}): AuditEvent {
  const t = s.time ?? new Date();
  const group = s.group ?? 'apps';
  const version = s.version ?? 'v1';
  const resource = s.resource ?? 'deployments';
  const ns = s.namespace ?? 'default';
  const name = s.name ?? 'demo';
  const e: AuditEvent = {
    level: 'RequestResponse',
    auditID: s.auditID ?? `00000000-0000-0000-0000-${String(++seq).padStart(12, '0')}`,
    stage: s.stage ?? 'ResponseComplete',
    requestURI: `/apis/${group}/${version}/namespaces/${ns}/${resource}/${name}${s.subresource ? '/' + s.subresource : ''}`,
    verb: s.verb ?? 'update',
    user: { username: s.user ?? 'alice', groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.7'],
    userAgent: 'kubectl/v1.33.1',
    objectRef: { resource, namespace: ns, name, apiGroup: group, apiVersion: version, resourceVersion: '100', ...(s.subresource ? { subresource: s.subresource } : {}) },
    requestReceivedTimestamp: t.toISOString().replace('Z', '000Z'),
    stageTimestamp: new Date(t.getTime() + 5).toISOString().replace('Z', '000Z'),
  };
  if (s.code !== null) e.responseStatus = { metadata: {}, code: s.code ?? 200 } as AuditEvent['responseStatus'];
  if (s.responseObject !== undefined) e.responseObject = s.responseObject;
  return e;
}

export function eventList(items: AuditEvent[]): EventList {
  return { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items };
}
