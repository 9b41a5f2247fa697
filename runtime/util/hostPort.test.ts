import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort } from './hostPort.ts';

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
