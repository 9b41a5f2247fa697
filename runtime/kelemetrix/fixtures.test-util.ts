/** Audit messages for the kelemetrix unit tests. */
import type { AuditEvent, ReceivedAuditEvent } from '../audit/types.ts';

export function message(event: Partial<AuditEvent> = {}, cluster = 'tracetest', sourceAddr = '10.0.0.1'): ReceivedAuditEvent {
  return {
    cluster,
    sourceAddr,
    receivedAtMs: Date.parse('2024-05-01T10:00:01Z'),
    event: {
      level: 'Metadata',
      auditID: 'a1',
      stage: 'ResponseComplete',
      requestURI: '/apis/apps/v1/namespaces/default/deployments/demo',
      verb: 'update',
      user: { username: 'alice' },
      sourceIPs: ['192.168.0.9', '10.0.0.2'],
      objectRef: { apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', namespace: 'default', name: 'demo' },
      responseStatus: { code: 200 },
      requestReceivedTimestamp: '2024-05-01T10:00:00.000100Z',
      stageTimestamp: '2024-05-01T10:00:00.250100Z',
      ...event,
    },
  };
}
