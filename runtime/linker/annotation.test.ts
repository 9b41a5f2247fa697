import { describe, expect, it } from 'vitest';
import type { RichObject } from '../aggregator/types.ts';
import type { Discovery } from '../k8s/discovery.ts';
import { AnnotationLinker, parseParentLink } from './annotation.ts';

const child: RichObject = { cluster: 'a', group: '', version: 'v1', resource: 'configmaps', namespace: 'ns1', name: 'cm' };

describe('parent-link annotation', () => {
  it('links to another namespace, defaulting the cluster to the child', async () => {
    const linker = new AnnotationLinker({});
    const raw = { metadata: { annotations: { 'kelemetry.kubewharf.io/parent-link': '{"group":"apps","version":"v1","resource":"deployments","namespace":"ns2","name":"d"}' } } };
    expect(await linker.lookup({ ...child, raw })).toEqual([
      { object: { cluster: 'a', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'ns2', name: 'd' }, role: 'parent', class: '', dedupId: 'annotation' },
    ]);
    expect(parseParentLink(child, '{"cluster":"b","resource":"nodes","name":"n1"}')).toEqual({ cluster: 'b', group: '', version: '', resource: 'nodes', namespace: '', name: 'n1' });
  });

  it('drops a namespace written for a cluster-scoped parent, as discovery knows it, and keeps it when discovery does not know the resource', async () => {
    const known: Record<string, boolean> = { nodes: false, configmaps: true };
    const discovery = { for: () => ({ lookupResource: async (_g: string, r: string) => (r in known ? { namespaced: known[r] } : undefined) }) } as unknown as Discovery;
    const linker = new AnnotationLinker({ discovery });
    const parentOf = async (link: string) => (await linker.lookup({ ...child, raw: { metadata: { annotations: { 'kelemetry.kubewharf.io/parent-link': link } } } }))[0]!.object;
    expect((await parentOf('{"version":"v1","resource":"nodes","namespace":"ns1","name":"n1"}')).namespace).toBe('');
    expect((await parentOf('{"version":"v1","resource":"configmaps","namespace":"ns1","name":"c"}')).namespace).toBe('ns1');
    expect((await parentOf('{"group":"x.io","version":"v1","resource":"widgets","namespace":"ns1","name":"w"}')).namespace).toBe('ns1');
  });

  it('rejects malformed annotations with the object named', () => {
    expect(() => parseParentLink(child, '{oops')).toThrow(/ParseAnnotation: a\/\/configmaps\/ns1\/cm/);
    expect(() => parseParentLink(child, '{"name":"x"}')).toThrow(/needs "resource"/);
  });
});
