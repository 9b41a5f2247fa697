import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createPki } from '../../envtest/pki.ts';
import { nullLogger } from '../util/log.ts';
import { CertReloader } from './certReload.ts';
import { createWebhookServer } from './http.ts';

/** The common name of the certificate the server presents. */
function servedName(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, ca, agent: false }, (res) => {
      res.resume();
      resolve((res.socket as TLSSocket).getPeerCertificate().subject.CN as string);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('CertReloader', () => {
  it('serves a re-issued certificate after its files change, and keeps the current one when they are broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kelemetry-certs-'));
    const pki = await createPki('openssl', dir);
    const first = await pki.issue('first', { commonName: 'first', sans: ['IP:127.0.0.1'] });
    const second = await pki.issue('second', { commonName: 'second', sans: ['IP:127.0.0.1'] });
    const tls = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
    copyFileSync(first.cert, tls.certFile);
    copyFileSync(first.key, tls.keyFile);
    const server = createWebhookServer(tls, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const registry = new Registry();
    const reloader = new CertReloader(server, tls, { registry, logger: nullLogger });
    const ca = readFileSync(pki.ca.cert, 'utf8');
    try {
      expect(await servedName(port, ca)).toBe('first');
      expect(reloader.check()).toBe(false);
      copyFileSync(second.cert, tls.certFile);
      copyFileSync(second.key, tls.keyFile);
      expect(reloader.check()).toBe(true);
      expect(await servedName(port, ca)).toBe('second');
      writeFileSync(tls.certFile, 'not a certificate');
      expect(reloader.check()).toBe(false);
      expect(await servedName(port, ca)).toBe('second');
      const results = (await registry.getSingleMetric('audit_webhook_tls_reloads_total')!.get()).values.map((v) => [v.labels.result, v.value]);
      expect(Object.fromEntries(results)).toEqual({ reloaded: 1, invalid: 1 });
    } finally {
      reloader.stop();
      server.close();
    }
  });
});
