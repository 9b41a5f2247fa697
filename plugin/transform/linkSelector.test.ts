import { describe, expect, it } from 'vitest';
import type { ObjectKey } from '../../runtime/model/objectKey.ts';
import { applyLinkSelectorModifier, followNothing, type LinkSelector } from './linkSelector.ts';

const key = (resource: string, name: string): ObjectKey => ({ cluster: 'c', group: '', resource, namespace: 'ns', name });
const deploy = key('deployments', 'd');
const rs = key('replicasets', 'rs');
const pod = key('pods', 'p');

const fullTree = applyLinkSelectorModifier(followNothing, { modifierClass: 'owner', upwardDistance: 3, downwardDistance: 3 });
const ancestors = applyLinkSelectorModifier(followNothing, {
  modifierClass: 'owner',
  ifAll: [{ linkClass: 'children', fromParent: false }],
  upwardDistance: 3,
});
const owned = applyLinkSelectorModifier(followNothing, {
  modifierClass: 'owner',
  ifAll: [{ linkClass: 'children', fromChild: false }],
  downwardDistance: 3,
});

describe('link selectors', () => {
  it('follows nothing without a modifier', () => {
    expect(followNothing.admit(deploy, rs, true, 'children')).toBeNull();
  });
  it('full tree walks down three hops, never down then up (no siblings)', () => {
    let s: LinkSelector | null = fullTree;
    for (let i = 0; i < 3; i++) {
      s = s!.admit(deploy, rs, true, 'children');
      expect(s).not.toBeNull();
    }
    expect(s!.admit(rs, pod, true, 'children')).toBeNull();
    const down = fullTree.admit(deploy, rs, true, 'children')!;
    expect(down.admit(deploy, rs, false, 'children')).toBeNull();
  });
  it('ancestors only walks up, on children links', () => {
    const up = ancestors.admit(deploy, rs, false, 'children');
    expect(up).not.toBeNull();
    expect(up!.admit(deploy, rs, true, 'children')).toBeNull();
    expect(ancestors.admit(deploy, rs, true, 'children')).toBeNull();
    expect(ancestors.admit(deploy, rs, false, 'other')).toBeNull();
  });
  it('owned objects only walks down', () => {
    expect(owned.admit(deploy, rs, true, 'children')).not.toBeNull();
    expect(owned.admit(deploy, rs, false, 'children')).toBeNull();
  });
});
