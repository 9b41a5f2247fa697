import { describe, expect, it } from 'vitest';
import { modeHex, withMode } from '../../plugin/page/modes.ts';
import { parseObjectRef } from './trace.ts';

describe('kelemetry trace arguments', () => {
  it('understands kubectl-style object references', () => {
    expect(parseObjectRef('deploy/demo')).toEqual({ resource: 'deployments', group: undefined, name: 'demo' });
    expect(parseObjectRef('deployment.apps/demo')).toEqual({ resource: 'deployments', group: 'apps', name: 'demo' });
    expect(parseObjectRef('networkpolicy/np')).toMatchObject({ resource: 'networkpolicies' });
    expect(() => parseObjectRef('demo')).toThrow(/want <resource>\/<name>/);
  });
  it('maps mode and family to the display mode id and edits it into a trace id', () => {
    expect(modeHex('tracing', 'full')).toBe('21000000');
    expect(modeHex('tracing', 'ancestors')).toBe('22000000');
    expect(modeHex('grouped', 'owned')).toBe('34000000');
    expect(modeHex('tree', 'none')).toBe('00000000');
    expect(withMode('ff21000000e1e3e70123456789abcdef', '10000000')).toBe('ff10000000e1e3e70123456789abcdef');
  });
});
