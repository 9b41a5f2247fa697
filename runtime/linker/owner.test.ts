import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RichObject } from '../aggregator/types.ts';
import type { DiffCache } from '../diff/types.ts';
import type { Discovery } from '../k8s/discovery.ts';
import { nullLogger } from '../util/log.ts';
import { OwnerLinker } from './owner.ts';
import type { ObjectSource } from './types.ts';

const pod: RichObject = { cluster: 'c', group: '', version: 'v1', resource: 'pods', namespace: 'ns', name: 'p' };
const rsInfo = { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true, verbs: [] };
const discovery = { for: () => ({ lookupKind: async () => rsInfo }) } as unknown as Discovery;
const owned = (name: string) => ({ metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid: `u-${name}`, controller: true }, { apiVersion: 'v1', kind: 'Other', name: 'x' }] } });
const creation = { fetchSnapshot: async () => ({ ResourceVersion: '1', Value: owned('first') }) } as unknown as DiffCache;

function linker(objects: ObjectSource) {
  return new OwnerLinker({ discovery, diffCache: creation, objects, logger: nullLogger, registry: new Registry() });
}

describe('owner linker', () => {
  it('links the controller owner from the job’s JSON', async () => {
    expect(await linker(async () => undefined).lookup({ ...pod, raw: owned('rs1') })).toEqual([
      { object: { cluster: 'c', group: 'apps', version: 'v1', resource: 'replicasets', namespace: 'ns', name: 'rs1', uid: 'u-rs1' }, role: 'parent', class: 'children', dedupId: 'ownerReference' },
    ]);
  });

  it('prefers the current object to the creation snapshot, so an adopted or orphaned object does not keep its first owner', async () => {
    expect((await linker(async () => owned('adopter')).lookup(pod)).map((l) => l.object.name)).toEqual(['adopter']);
    expect(await linker(async () => ({ metadata: {} })).lookup(pod)).toEqual([]);
    // Unreachable or gone everywhere else: the creation snapshot still names the owner.
    expect((await linker(async () => undefined).lookup(pod)).map((l) => l.object.name)).toEqual(['first']);
    expect((await linker(() => Promise.reject(new Error('apiserver down'))).lookup(pod)).map((l) => l.object.name)).toEqual(['first']);
  });

  it('names what it reads: the controller owner references only', () => {
    expect(linker(async () => undefined).inputOf(owned('rs1'))).toEqual([owned('rs1').metadata.ownerReferences[0]]);
  });
});
