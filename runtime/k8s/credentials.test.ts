import type https from 'node:https';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { inClusterCredentials, kubeconfigCredentials } from './credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'kelemetry-credentials-'));
const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'ctx',
      contexts: [{ name: 'other', context: { cluster: 'nope', user: 'nope' } }, { name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user }],
    }),
  );
  return file;
}

async function options(creds: { applyToHTTPSOptions(o: https.RequestOptions): Promise<void> }): Promise<https.RequestOptions> {
  const opts: https.RequestOptions = {};
  await creds.applyToHTTPSOptions(opts);
  return opts;
}

afterEach(() => vi.useRealTimers());

describe('kubeconfig credentials', () => {
  it('takes the current context: inline CA and client certificate, TLS server name', async () => {
    const file = kubeconfig('inline.yaml', { server: 'https://10.0.0.1:6443', 'certificate-authority-data': b64('CA'), 'tls-server-name': 'api' }, { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') });
    const creds = kubeconfigCredentials(file);
    expect(creds.server).toBe('https://10.0.0.1:6443');
    const o = await options(creds);
    expect([String(o.ca), String(o.cert), String(o.key), o.servername, o.rejectUnauthorized]).toEqual(['CA', 'CERT', 'KEY', 'api', true]);
    expect(o.headers).toEqual({});
  });

  it('reads files relative to the kubeconfig, a bearer token, and insecure-skip-tls-verify', async () => {
    writeFileSync(join(dir, 'ca.crt'), 'FILE-CA');
    const file = kubeconfig('files.yaml', { server: 'https://h:1', 'certificate-authority': 'ca.crt', 'insecure-skip-tls-verify': true }, { token: 'secret-token' });
    const o = await options(kubeconfigCredentials(file));
    expect([String(o.ca), o.rejectUnauthorized, (o.headers as Record<string, string>).Authorization]).toEqual(['FILE-CA', false, 'Bearer secret-token']);
  });

  it('re-reads a tokenFile after a minute (rotated tokens); basic auth', async () => {
    writeFileSync(join(dir, 'token'), 'one\n');
    const creds = kubeconfigCredentials(kubeconfig('tokenfile.yaml', { server: 'https://h:1' }, { tokenFile: 'token' }));
    vi.useFakeTimers({ now: Date.now() });
    expect(((await options(creds)).headers as Record<string, string>).Authorization).toBe('Bearer one');
    writeFileSync(join(dir, 'token'), 'two\n');
    expect(((await options(creds)).headers as Record<string, string>).Authorization).toBe('Bearer one');
    vi.advanceTimersByTime(61_000);
    expect(((await options(creds)).headers as Record<string, string>).Authorization).toBe('Bearer two');
    const basic = await options(kubeconfigCredentials(kubeconfig('basic.yaml', { server: 'https://h:1' }, { username: 'admin', password: 'pw' })));
    expect(basic.auth).toBe('admin:pw');
  });

  it('hands exec users to client-node, which runs the plugin', async () => {
    const cred = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } });
    const file = kubeconfig('exec.yaml', { server: 'https://h:2' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', `echo '${cred}'`], interactiveMode: 'Never' } });
    const creds = kubeconfigCredentials(file);
    expect(creds.server).toBe('https://h:2');
    const headers = (await options(creds)).headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer from-exec');
  });

  it('names what is missing', () => {
    writeFileSync(join(dir, 'empty.yaml'), 'apiVersion: v1\nkind: Config\n');
    expect(() => kubeconfigCredentials(join(dir, 'empty.yaml'))).toThrow('no current-context');
    writeFileSync(join(dir, 'noctx.yaml'), stringify({ 'current-context': 'gone', contexts: [] }));
    expect(() => kubeconfigCredentials(join(dir, 'noctx.yaml'))).toThrow('context "gone" not found');
    writeFileSync(join(dir, 'nocluster.yaml'), stringify({ 'current-context': 'x', contexts: [{ name: 'x', context: { cluster: 'k' } }] }));
    expect(() => kubeconfigCredentials(join(dir, 'nocluster.yaml'))).toThrow('cluster "k" of context "x" not found or has no server');
  });
});

describe('in-cluster credentials', () => {
  it('uses the service host and port (IPv6 in brackets), the mounted CA and token', async () => {
    const sa = mkdtempSync(join(dir, 'sa-'));
    writeFileSync(join(sa, 'ca.crt'), 'SA-CA');
    writeFileSync(join(sa, 'token'), 'sa-token\n');
    const creds = inClusterCredentials(sa, { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' });
    expect(creds.server).toBe('https://[fd00::1]:443');
    const o = await options(creds);
    expect([String(o.ca), (o.headers as Record<string, string>).Authorization, o.rejectUnauthorized]).toEqual(['SA-CA', 'Bearer sa-token', true]);
    expect(() => inClusterCredentials(sa, {})).toThrow('not running in a pod');
  });
});
