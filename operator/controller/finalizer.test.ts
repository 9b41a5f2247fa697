import { describe, expect, it } from 'vitest';
import { FINALIZER } from '../../manifests/naming.ts';
import type { K8sObject } from './apply.ts';
import { addFinalizerPatch, removeFinalizerPatch } from './finalizer.ts';

const inst = (finalizers?: string[]): K8sObject => ({ apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', metadata: { name: 'k', namespace: 'ns', resourceVersion: '7', ...(finalizers ? { finalizers } : {}) } });

describe('finalizer patches', () => {
  it('adds the list, or appends to it, guarded by the resourceVersion', () => {
    expect(addFinalizerPatch(inst())).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
    ]);
    expect(addFinalizerPatch(inst(['other']))?.[1]).toEqual({ op: 'add', path: '/metadata/finalizers/-', value: FINALIZER });
    expect(addFinalizerPatch(inst(['other', FINALIZER]))).toBeUndefined();
  });

  it('removes exactly ours, testing it is still at that index', () => {
    expect(removeFinalizerPatch(inst(['other', FINALIZER]))).toEqual([
      { op: 'test', path: '/metadata/finalizers/1', value: FINALIZER },
      { op: 'remove', path: '/metadata/finalizers/1' },
    ]);
    expect(removeFinalizerPatch(inst(['other']))).toBeUndefined();
  });
});
