import { describe, expect, it } from 'vitest';
import { shippedNodeFlags } from '../common/nodeFlags.ts';
import { parseOptions, reproduce } from './options.ts';

describe('bench query options', () => {
  it('grows the family over 1, 10 and 100 ReplicaSets by default', () => {
    const o = parseOptions([]);
    expect(o).toMatchObject({ sizes: [1, 10, 100], pods: 20, windows: 4, iterations: 20, nodeFlags: shippedNodeFlags });
    expect(reproduce(o)).toBe('npm run bench -- query --sizes 1,10,100 --pods 20 --windows 4 --iterations 20');
  });
  it('takes --sizes as a list and reproduces every option', () => {
    const o = parseOptions(['--sizes', '2,5', '--pods=3', '--node-flags', '--max-old-space-size=256', '--cpu-prof', '/tmp/p']);
    expect(o.sizes).toEqual([2, 5]);
    expect(reproduce(o)).toBe('npm run bench -- query --sizes 2,5 --pods 3 --windows 4 --iterations 20 --node-flags "--max-old-space-size=256" --cpu-prof /tmp/p');
  });
  it('refuses sizes that are not positive integers, and the old --rs', () => {
    expect(() => parseOptions(['--sizes', '1,0'])).toThrow('--sizes wants positive integers, got 0');
    expect(() => parseOptions(['--sizes', '1,x'])).toThrow('got x');
    expect(() => parseOptions(['--rs', '10'])).toThrow('unknown option --rs');
  });
});
