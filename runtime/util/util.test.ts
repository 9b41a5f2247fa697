import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from './backoff.ts';
import { formatHostPort, parseHostPort } from './hostPort.ts';
import { sleep } from './sleep.ts';

describe('backoff', () => {
  it('doubles from the initial delay and stops at the maximum', () => {
    const opts = { initialMs: 50, maxMs: 300 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, opts))).toEqual([50, 100, 200, 300, 300]);
  });
  it('starts over after reset', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 1000 });
    expect([b.next(), b.next(), b.next()]).toEqual([10, 20, 40]);
    expect(b.failures).toBe(3);
    b.reset();
    expect(b.next()).toBe(10);
  });
});

describe('hostPort', () => {
  it('splits IPv4, IPv6 and empty hosts', () => {
    expect(parseHostPort('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHostPort('[::1]:9090')).toEqual({ host: '::1', port: 9090 });
    expect(parseHostPort(':443')).toEqual({ host: '0.0.0.0', port: 443 });
    expect(formatHostPort({ host: '::1', port: 9090 })).toBe('[::1]:9090');
  });
  it('names the bad value and the expected shape', () => {
    expect(() => parseHostPort('localhost', '--metrics-listen')).toThrow(/--metrics-listen "localhost" is not host:port/);
    expect(() => parseHostPort('h:99999')).toThrow(/not host:port/);
  });
});

describe('sleep', () => {
  it('returns early when aborted', async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 20);
    await sleep(5_000, ac.signal);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
