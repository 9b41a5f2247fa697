import { describe, expect, it } from 'vitest';
import { splitRule } from './leftovers.ts';

describe('splitRule', () => {
  it('splits an iptables-save rule into iptables arguments, keeping quoted comments whole', () => {
    expect(splitRule('POSTROUTING -s 10.85.0.2/32 -m comment --comment "name: \\"kelemetry-pods\\" id: \\"abc\\"" -j CNI-1')).toEqual([
      'POSTROUTING', '-s', '10.85.0.2/32', '-m', 'comment', '--comment', 'name: "kelemetry-pods" id: "abc"', '-j', 'CNI-1',
    ]);
  });
});
