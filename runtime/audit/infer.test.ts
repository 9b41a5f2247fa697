import { describe, expect, it } from 'vitest';
import type { ApiResourceInfo } from '../k8s/discovery.ts';
import type { GroupVersionKind } from '../k8s/gvr.ts';
import { nullLogger } from '../util/log.ts';
import { discoveryInference } from './infer.ts';
import { toMessage } from './object.ts';
import { auditEvent } from './testdata.ts';
import type { AuditEvent } from './types.ts';

const known: ApiResourceInfo[] = [
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, verbs: [] },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, verbs: [] },
];
const discovery = {
  for: (cluster: string) => ({
    lookupKind: async (gvk: GroupVersionKind) => (cluster === 'c' ? known.find((k) => k.group === gvk.group && k.kind === gvk.kind) : undefined),
  }),
};
const infer = discoveryInference(discovery, nullLogger);
const withoutResource = (responseObject: unknown, cluster = 'c'): ReturnType<typeof toMessage> => {
  const e = auditEvent({ responseObject });
  const event: AuditEvent = { ...e, objectRef: { ...e.objectRef!, resource: undefined, name: undefined } };
  return toMessage({ cluster, sourceAddr: '', event, receivedAtMs: 0 });
};

describe('objectRef inference through discovery', () => {
  it('finds the resource of the response kind, with namespace only for namespaced kinds, and empty resourceVersion', async () => {
    const msg = withoutResource({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns', uid: 'u1' } });
    expect(msg.object).toBeUndefined();
    expect(await infer(msg)).toEqual({ cluster: 'c', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'ns', name: 'd', uid: 'u1', subresource: '', requestResourceVersion: '' });
    expect(await infer(withoutResource({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', namespace: 'x' } }))).toMatchObject({ resource: 'nodes', namespace: '' });
  });

  it('gives up on a Status, an unknown kind or cluster, a nameless object, or an objectRef that has a resource', async () => {
    expect(await infer(withoutResource({ apiVersion: 'v1', kind: 'Status', metadata: { name: 'x' } }))).toBeUndefined();
    expect(await infer(withoutResource({ apiVersion: 'x/v1', kind: 'Widget', metadata: { name: 'w' } }))).toBeUndefined();
    expect(await infer(withoutResource({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }, 'other'))).toBeUndefined();
    expect(await infer(withoutResource({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {} }))).toBeUndefined();
    expect(await infer(toMessage({ cluster: 'c', sourceAddr: '', event: auditEvent(), receivedAtMs: 0 }))).toBeUndefined();
  });
});
