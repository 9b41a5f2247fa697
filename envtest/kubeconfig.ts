/** Kubeconfig files the environment writes: clients' (one identity each) and the apiserver's audit webhook's. */
import { stringify } from 'yaml';

export interface AuditWebhookTarget {
  /** Where the apiserver POSTs audit EventList batches, e.g. http://127.0.0.1:8080/audit/tracetest. */
  url: string;
  /** Bearer token the apiserver sends, when the receiver requires one. */
  token?: string;
  /** CA that signed the receiver's serving certificate (https URLs). */
  caFile?: string;
  /** Client certificate the apiserver presents (mTLS receivers). */
  clientCert?: { cert: string; key: string };
  /** A whole --audit-webhook-config-file (e.g. what `kelemetry audit-webhook-config` prints), used as is. */
  kubeconfigYaml?: string;
}

/** A kubeconfig for one client certificate (or token) against `server`. */
export function kubeconfigYaml(server: string, caFile: string, user: Record<string, string>): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kelemetry-test', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: 'admin', user }],
    contexts: [{ name: 'kelemetry-test', context: { cluster: 'kelemetry-test', user: 'admin' } }],
    'current-context': 'kelemetry-test',
  });
}

/** The kubeconfig the apiserver's audit webhook backend reads: where to send, and how to authenticate. */
export function auditWebhookKubeconfig(target: AuditWebhookTarget): string {
  if (target.kubeconfigYaml) return target.kubeconfigYaml;
  const cluster: Record<string, unknown> = { server: target.url };
  if (target.caFile) cluster['certificate-authority'] = target.caFile;
  const user: Record<string, string> = {};
  if (target.token) user.token = target.token;
  if (target.clientCert) {
    user['client-certificate'] = target.clientCert.cert;
    user['client-key'] = target.clientCert.key;
  }
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kelemetry', cluster }],
    users: [{ name: 'kube-apiserver', user }],
    contexts: [{ name: 'default', context: { cluster: 'kelemetry', user: 'kube-apiserver' } }],
    'current-context': 'default',
  });
}

