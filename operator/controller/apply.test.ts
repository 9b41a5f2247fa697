import { describe, expect, it } from 'vitest';
import { isSubset, needsApply, withAppliedHash, type K8sObject } from './apply.ts';

const desired = withAppliedHash({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n', labels: { a: '1' } }, spec: { ports: [{ port: 80, targetPort: 'http' }], selector: { a: '1' } } });

describe('needsApply', () => {
  it('creates a missing object', () => expect(needsApply(desired, undefined)).toBe('create'));

  it('skips a live object that carries the same hash and all rendered fields, plus server defaults', () => {
    const live = { ...desired, metadata: { ...desired.metadata, uid: 'u', resourceVersion: '5' }, spec: { ...(desired.spec as object), clusterIP: '10.0.0.1', type: 'ClusterIP' } } as K8sObject;
    expect(needsApply(desired, live)).toBeUndefined();
  });

  it('compares objects from a LIST (no apiVersion/kind on items) without seeing drift', () => {
    const { apiVersion: _v, kind: _k, ...fromList } = desired;
    expect(needsApply(desired, fromList as K8sObject)).toBeUndefined();
  });

  it('re-applies when the rendering changed (even if only a field was removed)', () => {
    const older = withAppliedHash({ ...desired, metadata: { name: 's', namespace: 'n', labels: { a: '1', old: 'x' } } });
    expect(needsApply(desired, older)).toBe('changed');
  });

  it('detects drift of a field we own', () => {
    const live = { ...desired, spec: { ports: [{ port: 81, targetPort: 'http' }], selector: { a: '1' } } } as K8sObject;
    expect(needsApply(desired, live)).toBe('drift');
  });
});

describe('isSubset', () => {
  it('treats empty rendered values as matching absent live ones, and int-or-string forms as equal', () => {
    expect(isSubset({ a: [], b: {} }, {})).toBe(true);
    expect(isSubset({ port: 8080 }, { port: '8080' })).toBe(true);
    expect(isSubset({ list: [1, 2] }, { list: [1] })).toBe(false);
  });
});
