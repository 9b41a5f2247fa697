import { describe, expect, it } from 'vitest';
import { parseScanArgs } from './scan.ts';

describe('kelemetry scan arguments', () => {
  it('takes several URLs, a window and an audit endpoint', () => {
    expect(parseScanArgs(['--url', 'http://127.0.0.1:9090/metrics', '--url=http://10.0.0.2:9090/metrics', '--window', '30s', '--audit-endpoint', 'https://x/audit/c'])).toEqual({
      urls: ['http://127.0.0.1:9090/metrics', 'http://10.0.0.2:9090/metrics'],
      instance: undefined,
      namespace: 'default',
      kubeconfig: undefined,
      windowMs: 30_000,
      auditEndpoint: 'https://x/audit/c',
      output: 'text',
    });
  });

  it('takes an instance with namespace and kubeconfig', () => {
    expect(parseScanArgs(['--instance', 'demo', '-n', 'kelemetry', '--kubeconfig', '/k', '-o', 'json'])).toMatchObject({ instance: 'demo', namespace: 'kelemetry', kubeconfig: '/k', output: 'json', urls: [] });
  });

  it('rejects missing or conflicting targets and bad values', () => {
    expect(() => parseScanArgs([])).toThrow('--url URL or --instance NAME');
    expect(() => parseScanArgs(['--url', 'http://a:1/metrics', '--instance', 'x'])).toThrow('either --url or --instance');
    expect(() => parseScanArgs(['--url', 'localhost:9090'])).toThrow('want http(s)://host:port/metrics');
    expect(() => parseScanArgs(['--url', 'http://a:1/metrics', '--window', 'soon'])).toThrow('--window: invalid duration "soon"');
    expect(() => parseScanArgs(['--url', 'http://a:1/metrics', '-o', 'yaml'])).toThrow('want text or json');
    expect(() => parseScanArgs(['--bogus'])).toThrow(/bogus/);
    expect(parseScanArgs(['--help'])).toBe('help');
  });
});
