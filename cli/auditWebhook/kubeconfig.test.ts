import { describe, expect, it } from 'vitest';
import { WebhookConfigError, webhookKubeconfig, webhookNotes, type WebhookSource } from './kubeconfig.ts';

const status = { service: 'k-webhook.ns.svc:8080', clusters: [{ name: 'prod', url: 'http://k-webhook.ns.svc:8080/audit/prod' }], tokenSecretRef: { name: 'k-audit-token', key: 'token' } };
const src: WebhookSource = { instance: 'ns/k', authMode: 'Token', status, token: 's3cret' };

describe('audit webhook kubeconfig', () => {
  it('names the webhook URL and carries the bearer token', () => {
    const https = { ...status, clusters: [{ name: 'prod', url: 'https://k-webhook.ns.svc:8080/audit/prod' }] };
    expect(webhookKubeconfig({ ...src, status: https }, {})).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kelemetry', cluster: { server: 'https://k-webhook.ns.svc:8080/audit/prod' } }],
      users: [{ name: 'kube-apiserver', user: { token: 's3cret' } }],
      contexts: [{ name: 'default', context: { cluster: 'kelemetry', user: 'kube-apiserver' } }],
      'current-context': 'default',
    });
  });

  it('replaces the origin with --server and embeds the CA', () => {
    const doc = webhookKubeconfig({ ...src, caPem: 'PEM' }, { server: 'https://10.0.0.5:30080' }) as { clusters: { cluster: Record<string, string> }[] };
    // An IP in the URL: the certificate is checked against the Service's DNS name.
    expect(doc.clusters[0]!.cluster).toEqual({
      server: 'https://10.0.0.5:30080/audit/prod',
      'certificate-authority-data': Buffer.from('PEM').toString('base64'),
      'tls-server-name': 'k-webhook.ns.svc',
    });
  });

  it('refuses a token over plain HTTP, which kube-apiserver would never send (client-go sends tokens over TLS only)', () => {
    expect(() => webhookKubeconfig(src, {})).toThrow(/sends tokens over HTTPS only: set spec.audit.tls.enabled/);
  });

  it('says what to do when it cannot be written', () => {
    expect(() => webhookKubeconfig({ ...src, status: undefined }, {})).toThrow(/no status.auditWebhook yet: is the operator running/);
    const two = { ...status, clusters: [...status.clusters, { name: 'dev', url: 'http://x/audit/dev' }] };
    expect(() => webhookKubeconfig({ ...src, status: two }, {})).toThrow('pick one with --cluster (prod, dev)');
    expect(() => webhookKubeconfig(src, { cluster: 'qa' })).toThrow('has no cluster qa with audit enabled: use one of prod');
    expect(() => webhookKubeconfig({ ...src, token: undefined }, {})).toThrow(WebhookConfigError);
    expect(() => webhookKubeconfig({ ...src, authMode: 'ClientCertificate' }, {})).toThrow(/client-certificate\/client-key yourself/);
  });

  it('warns about cluster DNS, plain HTTP and an open webhook', () => {
    const notes = webhookNotes({ ...src, authMode: 'None' }, status.clusters[0]!.url).join('\n');
    expect(notes).toContain('cannot resolve cluster DNS names');
    expect(notes).toContain('plain HTTP');
    expect(notes).toContain('accepts audit events from anyone');
  });
});
