import { describe, expect, it } from 'vitest';
import { parseOptions, reproduce } from './options.ts';

describe('bench diff options', () => {
  it('keeps the in-process defaults without --peer', () => {
    const o = parseOptions([]);
    expect(o.peer).toBeUndefined();
    expect(reproduce(o)).toBe('npm run bench -- diff --objects 2000,10000 --churn-seconds 20 --concurrency 16 --backends etcd,redis');
  });

  it('reproduces a peer run with its rounds and rate', () => {
    const o = parseOptions(['--objects', '10000,50000', '--peer', 'upstream', '--rounds', '2', '--rate=150']);
    expect(o).toMatchObject({ sizes: [10000, 50000], peer: 'upstream', rounds: 2, rate: 150 });
    expect(reproduce(o)).toBe('npm run bench -- diff --objects 10000,50000 --churn-seconds 20 --concurrency 16 --rate 150 --peer upstream --rounds 2');
  });

  it('refuses an unknown peer', () => {
    expect(() => parseOptions(['--peer', 'other'])).toThrow(/only "upstream"/);
  });
});
