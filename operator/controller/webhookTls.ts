/**
 * The audit webhook's serving certificate when TLS is on and the spec names no Secret. The operator's CA
 * (Secret `<instance>-webhook-ca`: ca.crt, ca.key) signs `<instance>-webhook-tls` (kubernetes.io/tls:
 * tls.crt, tls.key, ca.crt) for the webhook Service's DNS names and addresses. The certificate is
 * re-issued when a name or address is missing, when another CA signed it, or when a third of its life
 * remains; the consumer reloads the files, which the kubelet updates in place. The CA is replaced when a
 * third of its ten years remains; the apiservers then need a fresh `kelemetry audit-webhook-config`,
 * which a Warning Event says.
 */
import { X509Certificate } from 'node:crypto';
import { API_VERSION, KIND, type KelemetryInstance } from '../../api/types.ts';
import { FIELD_MANAGER, commonLabels, objectName } from '../../manifests/naming.ts';
import { webhookTlsSecretName } from '../../manifests/runtimeConfig.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import type { Logger } from '../../runtime/util/log.ts';
import { issueCa, issueServer, type CertificatePem } from '../pki/certificate.ts';
import type { EventSpec } from './events.ts';
import { SECRET_RESOURCE, collectionPath, objectPath } from './resources.ts';
import type { LiveWebhookService, Problem } from './status.ts';

const DAY_MS = 86_400_000;
const CA_LIFETIME_MS = 3650 * DAY_MS;
const SERVER_LIFETIME_MS = 365 * DAY_MS;
/** Certificates start a little in the past, so a clock behind the operator's still accepts them. */
const BACKDATE_MS = 5 * 60_000;

interface SecretObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

/** The names and addresses the webhook is reached by: the Service's DNS forms, its ClusterIP and load balancer IPs. */
export function webhookHosts(inst: KelemetryInstance, live: LiveWebhookService | undefined): string[] {
  const namespace = inst.metadata.namespace ?? 'default';
  const service = objectName({ name: inst.metadata.name, namespace }, 'webhook');
  const dns = [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
  const clusterIp = live?.spec?.clusterIP && live.spec.clusterIP !== 'None' ? [live.spec.clusterIP] : [];
  const lbIps = (live?.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  // IPv6 addresses are left to the DNS names (the certificate writer encodes IPv4 only).
  return [...dns, ...[...clusterIp, ...lbIps].filter((ip) => !ip.includes(':'))];
}

/** Less than a third of the certificate's lifetime left (or already expired)? */
function dueForRenewal(cert: X509Certificate, now: Date): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return now.getTime() > to - (to - from) / 3;
}

const decode = (s: SecretObject | undefined, key: string) => (s?.data?.[key] ? Buffer.from(s.data[key], 'base64').toString('utf8') : undefined);

function parse(pem: string | undefined): X509Certificate | undefined {
  try {
    return pem ? new X509Certificate(pem) : undefined;
  } catch {
    return undefined;
  }
}

/** Why the serving certificate must be issued again, or undefined when it is fine. */
export function serverRenewalReason(certPem: string | undefined, ca: CertificatePem, hosts: string[], now: Date): string | undefined {
  const cert = parse(certPem);
  if (!cert) return 'no certificate yet';
  if (!cert.verify(new X509Certificate(ca.certPem).publicKey)) return 'signed by another CA';
  const sans = new Set((cert.subjectAltName ?? '').split(', ').map((s) => s.replace(/^(DNS:|IP Address:)/, '')));
  const missing = hosts.filter((h) => !sans.has(h));
  if (missing.length) return `it does not name ${missing.join(', ')}`;
  if (dueForRenewal(cert, now)) return `it expires ${cert.validTo}`;
  return undefined;
}

export interface WebhookTlsDeps {
  rest: KubeRest;
  log: Logger;
  notify: (e: EventSpec) => void;
  now?: Date;
}

/**
 * Creates or renews the CA and serving certificate Secrets; a failure is a problem (the consumer pods
 * cannot start without the Secret). Nothing to do when TLS is off or the spec names its own Secret.
 */
export async function ensureWebhookTls(inst: KelemetryInstance, hosts: string[], deps: WebhookTlsDeps): Promise<Problem[]> {
  const tlsName = webhookTlsSecretName(inst);
  if (!tlsName || inst.spec.audit.tls.secretName) return [];
  const namespace = inst.metadata.namespace ?? 'default';
  const caName = objectName({ name: inst.metadata.name, namespace }, 'webhook-ca');
  const now = deps.now ?? new Date();
  const secret = (name: string) => deps.rest.find<SecretObject>(objectPath(SECRET_RESOURCE, name, namespace));
  try {
    const caSecret = await secret(caName);
    let ca: CertificatePem | undefined = { certPem: decode(caSecret, 'ca.crt') ?? '', keyPem: decode(caSecret, 'ca.key') ?? '' };
    const caCert = parse(ca.certPem);
    if (!caCert || !ca.keyPem || dueForRenewal(caCert, now)) {
      ca = issueCa({ commonName: `${caName}.${namespace}`, notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + CA_LIFETIME_MS) });
      await write(deps.rest, inst, caSecret, caName, 'Opaque', { 'ca.crt': ca.certPem, 'ca.key': ca.keyPem });
      if (caSecret) {
        deps.notify({ type: 'Warning', reason: 'WebhookCARotated', message: `replaced the webhook CA in Secret ${caName}: give the apiservers the new file from kelemetry audit-webhook-config` });
      }
      deps.log.info('issued the audit webhook CA', { secret: `${namespace}/${caName}` });
    }
    const tlsSecret = await secret(tlsName);
    const reason = serverRenewalReason(decode(tlsSecret, 'tls.crt'), ca, hosts, now);
    if (!reason) return [];
    const server = issueServer(
      { commonName: hosts[0]!, hosts, notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + SERVER_LIFETIME_MS) },
      ca,
    );
    await write(deps.rest, inst, tlsSecret, tlsName, 'kubernetes.io/tls', { 'tls.crt': server.certPem, 'tls.key': server.keyPem, 'ca.crt': ca.certPem });
    deps.log.info('issued the audit webhook serving certificate', { secret: `${namespace}/${tlsName}`, reason, hosts });
    deps.notify({ type: 'Normal', reason: 'WebhookCertificateIssued', message: `issued the webhook's serving certificate in Secret ${tlsName} (${reason})` });
    return [];
  } catch (err) {
    return [{ reason: 'ApplyFailed', message: `Secret ${tlsName} (audit webhook TLS): ${(err as Error).message}` }];
  }
}

/** Creates the Secret, or replaces it (optimistically, by resourceVersion) when it exists. */
async function write(rest: KubeRest, inst: KelemetryInstance, existing: SecretObject | undefined, name: string, type: string, data: Record<string, string>): Promise<void> {
  const { uid } = inst.metadata;
  const namespace = inst.metadata.namespace ?? 'default';
  const body = {
    apiVersion: 'v1',
    kind: 'Secret',
    type,
    metadata: {
      name,
      namespace,
      labels: commonLabels({ name: inst.metadata.name, namespace }, 'consumer'),
      ...(existing?.metadata.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
      ...(uid ? { ownerReferences: [{ apiVersion: API_VERSION, kind: KIND, name: inst.metadata.name, uid, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
  if (existing) await rest.replace(objectPath(SECRET_RESOURCE, name, namespace), body, FIELD_MANAGER);
  else await rest.create(collectionPath(SECRET_RESOURCE, namespace), body, FIELD_MANAGER);
}
