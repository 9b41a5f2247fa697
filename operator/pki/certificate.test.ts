import { X509Certificate } from 'node:crypto';
import { request, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { issueCa, issueLeaf } from './certificate.ts';

const now = new Date('2026-11-30T00:00:00Z');
const inAYear = new Date('2027-11-30T00:00:00Z');

describe('issueCa / issueLeaf', () => {
  const ca = issueCa({ commonName: 'test-ca', notBefore: now, notAfter: inAYear });
  const leaf = issueLeaf({ commonName: 'web', hosts: ['web.ns.svc', '10.96.0.12', '127.0.0.1'], notBefore: now, notAfter: inAYear }, ca);

  it('makes a CA that signs a server certificate for the names and addresses asked', () => {
    const caCert = new X509Certificate(ca.certPem);
    const cert = new X509Certificate(leaf.certPem);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.issuer).toBe('CN=test-ca');
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:web.ns.svc, IP Address:10.96.0.12, IP Address:127.0.0.1');
    expect(cert.checkHost('web.ns.svc')).toBe('web.ns.svc');
    expect(cert.checkHost('other.ns.svc')).toBeUndefined();
    expect(new Date(cert.validTo).toISOString()).toBe(inAYear.toISOString());
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('serves TLS that a client trusting only the CA accepts, and one trusting another CA refuses', async () => {
    const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const get = (trusted: string) =>
      new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port, ca: trusted, servername: 'web.ns.svc', agent: false }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      });
    try {
      // Valid from 2026-11-30: use the real clock only if it is inside the validity window.
      const fresh = issueLeaf({ commonName: 'web', hosts: ['web.ns.svc'], notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3_600_000) }, ca);
      server.setSecureContext({ cert: fresh.certPem, key: fresh.keyPem });
      expect(await get(ca.certPem)).toBe('ok');
      const other = issueCa({ commonName: 'other', notBefore: now, notAfter: inAYear });
      await expect(get(other.certPem)).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    } finally {
      server.close();
    }
  });
});
