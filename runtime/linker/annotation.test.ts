import { describe, expect, it } from 'vitest';
import type { RichObject } from '../aggregator/types.ts';
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

  it('rejects malformed annotations with the object named', () => {
    expect(() => parseParentLink(child, '{oops')).toThrow(/ParseAnnotation: a\/\/configmaps\/ns1\/cm/);
    expect(() => parseParentLink(child, '{"name":"x"}')).toThrow(/needs "resource"/);
  });
});
