/**
 * The operator's finalizer (it deletes the cluster-scoped children that garbage collection cannot
 * reach) as JSON patches, each guarded by a `test` op so a concurrent change of the finalizer list is
 * never clobbered: the patch fails and the reconcile is retried with the fresh object.
 */
import { FINALIZER } from '../../manifests/naming.ts';
import type { K8sObject } from './apply.ts';

export type JsonPatchOp = { op: 'test' | 'add' | 'remove'; path: string; value?: unknown };

function finalizersOf(obj: K8sObject): string[] | undefined {
  return (obj.metadata as { finalizers?: string[] }).finalizers;
}

/** The patch that adds the finalizer, or undefined when it is there already. */
export function addFinalizerPatch(obj: K8sObject): JsonPatchOp[] | undefined {
  const finalizers = finalizersOf(obj);
  if (finalizers?.includes(FINALIZER)) return undefined;
  return [
    { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion },
    finalizers ? { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER } : { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
  ];
}

/** The patch that removes the finalizer, or undefined when it is not there. */
export function removeFinalizerPatch(obj: K8sObject): JsonPatchOp[] | undefined {
  const index = (finalizersOf(obj) ?? []).indexOf(FINALIZER);
  if (index < 0) return undefined;
  return [
    { op: 'test', path: `/metadata/finalizers/${index}`, value: FINALIZER },
    { op: 'remove', path: `/metadata/finalizers/${index}` },
  ];
}

export function hasFinalizer(obj: K8sObject): boolean {
  return finalizersOf(obj)?.includes(FINALIZER) ?? false;
}
