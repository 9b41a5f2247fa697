import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceProxyEndpoint } from './endpoint.ts';
import { parseInstanceRef } from './instance.ts';

describe('kelemetry trace --instance', () => {
  it('takes NAMESPACE/NAME, or NAME in default', () => {
    expect(parseInstanceRef('kelemetry-system/kelemetry')).toEqual({ namespace: 'kelemetry-system', name: 'kelemetry' });
    expect(parseInstanceRef('demo')).toEqual({ namespace: 'default', name: 'demo' });
    expect(() => parseInstanceRef('a/b/c')).toThrow(/NAMESPACE\/NAME/);
    expect(() => parseInstanceRef('a/')).toThrow(/NAMESPACE\/NAME/);
  });

  describe('Service proxy endpoint', () => {
    const seen: { url?: string; auth?: string }[] = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      res.writeHead(302, { location: '/trace/abc123' }).end();
    });
    let kc: KubeConfig;
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
        users: [{ name: 'u', token: 'secret-token' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('asks the API server for the named Service port, with the kubeconfig credentials, and passes redirects through', async () => {
      const endpoint = serviceProxyEndpoint(kc, 'kelemetry-system', 'kelemetry-query', 'http');
      const answer = await endpoint.get('/redirect?cluster=c1&name=demo');
      expect(seen[0]).toEqual({ url: '/api/v1/namespaces/kelemetry-system/services/kelemetry-query:http/proxy/redirect?cluster=c1&name=demo', auth: 'Bearer secret-token' });
      expect(answer).toMatchObject({ status: 302, location: '/trace/abc123' });
      expect(endpoint.describe).toContain('Service kelemetry-system/kelemetry-query port http');
    });
  });
});
