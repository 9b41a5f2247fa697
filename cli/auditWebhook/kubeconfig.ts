/**
 * The kube-apiserver `--audit-webhook-config-file` for one cluster of a KelemetryInstance, from what the
 * instance reports (status.auditWebhook) and the Secrets it names. Pure: the command fetches, this
 * decides, and every refusal says what to do next.
 */
import type { KelemetryInstanceStatus } from '../../api/types.ts';

export interface WebhookSource {
  /** `namespace/name` of the instance, for messages. */
  instance: string;
  authMode: 'None' | 'Token' | 'ClientCertificate';
  status: KelemetryInstanceStatus['auditWebhook'];
  /** The bearer token read from status.auditWebhook.tokenSecretRef (mode Token). */
  token?: string;
  /** PEM CA of the webhook's serving certificate (spec.audit.tls), when its Secret has ca.crt. */
  caPem?: string;
}

export interface WebhookChoice {
  cluster?: string;
  /** Replaces the URL's scheme, host and port (kube-apiserver usually cannot resolve cluster DNS names). */
  server?: string;
}

export class WebhookConfigError extends Error {}

/** The webhook URL of the chosen cluster, with `server` substituted for its origin when given. */
export function webhookUrl(src: WebhookSource, choice: WebhookChoice): string {
  const status = src.status;
  if (!status?.clusters.length) {
    throw new WebhookConfigError(
      `KelemetryInstance ${src.instance} reports no status.auditWebhook yet: is the operator running and watching its namespace? (kubectl describe kelemetryinstance -n ${src.instance.replace('/', ' ')})`,
    );
  }
  const names = status.clusters.map((c) => c.name);
  if (!choice.cluster && names.length > 1) throw new WebhookConfigError(`KelemetryInstance ${src.instance} has several clusters: pick one with --cluster (${names.join(', ')})`);
  const entry = choice.cluster ? status.clusters.find((c) => c.name === choice.cluster) : status.clusters[0];
  if (!entry) throw new WebhookConfigError(`KelemetryInstance ${src.instance} has no cluster ${choice.cluster} with audit enabled: use one of ${names.join(', ')}`);
  if (!choice.server) return entry.url;
  const url = new URL(entry.url);
  let server: URL;
  try {
    server = new URL(choice.server);
  } catch {
    throw new WebhookConfigError(`--server ${choice.server}: want a URL such as https://10.0.0.5:30080`);
  }
  return `${server.origin}${url.pathname}`;
}

/** The kubeconfig document kube-apiserver reads (it uses the current context's cluster and user). */
export function webhookKubeconfig(src: WebhookSource, choice: WebhookChoice): Record<string, unknown> {
  const server = webhookUrl(src, choice);
  if (src.authMode === 'ClientCertificate') {
    throw new WebhookConfigError(
      `KelemetryInstance ${src.instance} authenticates apiservers by client certificate (spec.audit.auth.mode ClientCertificate): issue kube-apiserver a certificate from the CA in spec.audit.auth.clientCaSecretRef and write the kubeconfig with client-certificate/client-key yourself`,
    );
  }
  if (src.authMode === 'Token' && !src.token) throw new WebhookConfigError(`KelemetryInstance ${src.instance}: no bearer token was read (status.auditWebhook.tokenSecretRef)`);
  if (src.token && server.startsWith('http:')) {
    // client-go (which kube-apiserver's webhook uses) sends bearer tokens over TLS only: every batch would get 401.
    throw new WebhookConfigError(
      `KelemetryInstance ${src.instance} requires a bearer token but serves plain HTTP, and kube-apiserver sends tokens over HTTPS only: set spec.audit.tls.enabled with a serving certificate (spec.audit.tls.secretName), or spec.audit.auth.mode None on a trusted network`,
    );
  }
  const cluster: Record<string, string> = { server };
  if (src.caPem) cluster['certificate-authority-data'] = Buffer.from(src.caPem).toString('base64');
  // The URL names an IP (kube-apiserver resolves no .svc names); the certificate names the Service.
  const serviceHost = src.status?.service.replace(/:\d+$/, '');
  if (server.startsWith('https:') && serviceHost && /^\[?[\d.:a-f]+\]?$/i.test(new URL(server).hostname)) cluster['tls-server-name'] = serviceHost;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kelemetry', cluster }],
    users: [{ name: 'kube-apiserver', user: src.token ? { token: src.token } : {} }],
    contexts: [{ name: 'default', context: { cluster: 'kelemetry', user: 'kube-apiserver' } }],
    'current-context': 'default',
  };
}

/** What the person running the command should know, printed on stderr (stdout is the file). */
export function webhookNotes(src: WebhookSource, server: string): string[] {
  const notes = [
    'Save this as a file on every control-plane node and start kube-apiserver with --audit-webhook-config-file=<file>,',
    '--audit-policy-file=<policy> (RequestResponse for writes) and --audit-webhook-batch-max-wait=5s.',
  ];
  if (/\.svc(:\d+)?\//.test(server)) {
    notes.push('kube-apiserver usually cannot resolve cluster DNS names (*.svc): if it runs outside the pod network, expose the webhook');
    notes.push('(spec.audit.service.type NodePort or LoadBalancer) and pass --server https://<address>:<port>.');
  }
  if (src.authMode === 'None') notes.push('WARNING: spec.audit.auth.mode is None: the webhook accepts audit events from anyone who can reach it.');
  if (server.startsWith('http:')) notes.push('The webhook is plain HTTP (spec.audit.tls.enabled false): the token and audit events cross the network unencrypted.');
  return notes;
}
