import { describe, expect, it } from 'vitest';
import { BenchArgs } from './args.ts';

describe('bench options', () => {
  it('reads --name value, --name=value and switches', () => {
    const a = new BenchArgs(['--events', '200', '--backends=etcd,redis', '--gc'], ['events', 'backends'], ['gc']);
    expect(a.positiveInteger('events', 1)).toBe(200);
    expect(a.list('backends', 'memory')).toEqual(['etcd', 'redis']);
    expect(a.has('gc')).toBe(true);
    expect(a.number('missing', 7)).toBe(7);
  });
  it('refuses unknown options, missing values and bad integers, naming the option', () => {
    expect(() => new BenchArgs(['--evnets', '1'], ['events'])).toThrow('unknown option --evnets');
    expect(() => new BenchArgs(['--events'], ['events'])).toThrow('--events needs a value');
    expect(() => new BenchArgs(['--events', '-3'], ['events']).positiveInteger('events', 1)).toThrow('--events wants a positive integer, got -3');
  });
});
