import { describe, expect, it } from 'vitest';
import { INSTANCE_LABEL, INSTANCE_NAMESPACE_LABEL } from '../../manifests/naming.ts';
import type { K8sObject } from './apply.ts';
import { instanceKeyOfChild, isStatusOnlyUpdate } from './watches.ts';

const obj = (metadata: Partial<K8sObject['metadata']>, rest: Record<string, unknown> = {}): K8sObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name: 'n', ...metadata }, ...rest });

describe('watch event mapping', () => {
  it('maps a namespaced child to its instance by label, a cluster-scoped one by the namespace label', () => {
    expect(instanceKeyOfChild(obj({ namespace: 'ns', labels: { [INSTANCE_LABEL]: 'k' } }))).toBe('ns/k');
    expect(instanceKeyOfChild(obj({ labels: { [INSTANCE_LABEL]: 'k', [INSTANCE_NAMESPACE_LABEL]: 'ns' } }))).toBe('ns/k');
    expect(instanceKeyOfChild(obj({ labels: { [INSTANCE_LABEL]: 'k' } }))).toBeUndefined();
    expect(instanceKeyOfChild(obj({ namespace: 'ns' }))).toBeUndefined();
  });

  it('ignores an instance update that changed only status (the operator’s own write)', () => {
    const before = obj({ namespace: 'ns', resourceVersion: '1' }, { spec: { version: '1' }, status: { a: 1 } });
    expect(isStatusOnlyUpdate(obj({ namespace: 'ns', resourceVersion: '2' }, { spec: { version: '1' }, status: { a: 2 } }), before)).toBe(true);
    expect(isStatusOnlyUpdate(obj({ namespace: 'ns', resourceVersion: '2' }, { spec: { version: '2' }, status: { a: 1 } }), before)).toBe(false);
    expect(isStatusOnlyUpdate(obj({ namespace: 'ns', resourceVersion: '2', deletionTimestamp: 'now' }, { spec: { version: '1' } }), before)).toBe(false);
  });
});
