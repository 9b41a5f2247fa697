/**
 * The certificates of an instance's components, from the instance's own CA (Secret `<instance>-ca`:
 * ca.crt, ca.key): the audit webhook's serving certificate (when TLS is on and the spec names no Secret),
 * the managed etcd's serving certificate and the client certificate the Kelemetry pods present to it, and
 * the managed Jaeger collector's and storage's serving certificates (OTLP, remote storage).
 * Each is a kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt), re-issued when a name or address is
 * missing, when another CA signed it, or when a third of its life remains; etcd and the webhook reload
 * the files, which the kubelet updates in place. The CA is replaced when a third of its ten years remains;
 * the apiservers then need a fresh `kelemetry audit-webhook-config`, which a Warning Event says.
 */
import { X509Certificate } from 'node:crypto';
import { API_VERSION, KIND, type KelemetryInstance } from '../../api/types.ts';
import { FIELD_MANAGER, commonLabels, objectName } from '../../manifests/naming.ts';
import { instanceCaSecretName, managedEtcdTls, managedJaegerTls, webhookTlsSecretName } from '../../manifests/runtimeConfig.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import type { Logger } from '../../runtime/util/log.ts';
import { issueCa, issueLeaf, type CertificatePem, type Usage } from '../pki/certificate.ts';
import type { EventSpec } from './events.ts';
import { SECRET_RESOURCE, collectionPath, objectPath } from './resources.ts';
import type { LiveWebhookService, Problem } from './status.ts';

const DAY_MS = 86_400_000;
const CA_LIFETIME_MS = 3650 * DAY_MS;
const LEAF_LIFETIME_MS = 365 * DAY_MS;
/** Certificates start a little in the past, so a clock behind the operator's still accepts them. */
const BACKDATE_MS = 5 * 60_000;

/** One certificate the instance needs. */
export interface WantedCertificate {
  secret: string;
  /** For logs and events, e.g. "audit webhook". */
  what: string;
  commonName: string;
  hosts: string[];
  usages: Usage[];
}

interface SecretObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

const namespaceOf = (inst: KelemetryInstance) => inst.metadata.namespace ?? 'default';

/** A Service's DNS forms, shortest first. */
function serviceNames(inst: KelemetryInstance, suffix: string): string[] {
  const namespace = namespaceOf(inst);
  const service = objectName({ name: inst.metadata.name, namespace }, suffix);
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

/** The names and addresses the webhook is reached by: the Service's DNS forms, its ClusterIP and load balancer IPs. */
export function webhookHosts(inst: KelemetryInstance, live: LiveWebhookService | undefined): string[] {
  const clusterIp = live?.spec?.clusterIP && live.spec.clusterIP !== 'None' ? [live.spec.clusterIP] : [];
  const lbIps = (live?.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  // IPv6 addresses are left to the DNS names (the certificate writer encodes IPv4 only).
  return [...serviceNames(inst, 'webhook'), ...[...clusterIp, ...lbIps].filter((ip) => !ip.includes(':'))];
}

/** Every certificate the instance's spec calls for. */
export function wantedCertificates(inst: KelemetryInstance, liveWebhook: LiveWebhookService | undefined): WantedCertificate[] {
  const out: WantedCertificate[] = [];
  const webhook = webhookTlsSecretName(inst);
  if (webhook && !inst.spec.audit.tls.secretName) {
    const hosts = webhookHosts(inst, liveWebhook);
    out.push({ secret: webhook, what: 'audit webhook', commonName: hosts[0]!, hosts, usages: ['server'] });
  }
  const etcd = managedEtcdTls(inst);
  if (etcd) {
    // Members are reached as <pod>.<service>.<ns>.svc (peers, advertised URLs) and through the Service's name.
    const names = serviceNames(inst, 'etcd');
    const hosts = [...names, ...names.slice(1).map((n) => `*.${n}`), 'localhost', '127.0.0.1'];
    out.push({ secret: etcd.serverSecret, what: 'managed etcd', commonName: names[0]!, hosts, usages: ['server'] });
    out.push({ secret: etcd.clientSecret, what: 'etcd client', commonName: `${inst.metadata.name}-kelemetry`, hosts: [], usages: ['client'] });
  }
  const jaeger = managedJaegerTls(inst);
  if (jaeger) {
    // Clients reach both through their Service's name (storage's is headless, resolving to its one pod).
    const server = (secret: string, what: string, suffix: string) => {
      const hosts = serviceNames(inst, suffix);
      out.push({ secret, what, commonName: hosts[0]!, hosts, usages: ['server'] });
    };
    server(jaeger.collectorSecret, 'Jaeger collector', 'jaeger-collector');
    server(jaeger.storageSecret, 'Jaeger storage', 'jaeger-storage');
  }
  return out;
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

/** Why the certificate must be issued again, or undefined when it is fine. */
export function renewalReason(certPem: string | undefined, ca: CertificatePem, hosts: string[], now: Date): string | undefined {
  const cert = parse(certPem);
  if (!cert) return 'no certificate yet';
  if (!cert.verify(new X509Certificate(ca.certPem).publicKey)) return 'signed by another CA';
  const sans = new Set((cert.subjectAltName ?? '').split(', ').map((s) => s.replace(/^(DNS:|IP Address:)/, '')));
  const missing = hosts.filter((h) => !sans.has(h));
  if (missing.length) return `it does not name ${missing.join(', ')}`;
  if (dueForRenewal(cert, now)) return `it expires ${cert.validTo}`;
  return undefined;
}

export interface CertificateDeps {
  rest: KubeRest;
  log: Logger;
  notify: (e: EventSpec) => void;
  now?: Date;
}

/**
 * Creates or renews the CA and each wanted certificate's Secret; a failure is a problem (the pods that
 * mount the Secret cannot start without it).
 */
export async function ensureCertificates(inst: KelemetryInstance, wanted: WantedCertificate[], deps: CertificateDeps): Promise<Problem[]> {
  if (!wanted.length) return [];
  const namespace = namespaceOf(inst);
  const now = deps.now ?? new Date();
  const validity = (ms: number) => ({ notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + ms) });
  const secret = (name: string) => deps.rest.find<SecretObject>(objectPath(SECRET_RESOURCE, name, namespace));
  const caName = instanceCaSecretName(inst);
  let ca: CertificatePem;
  try {
    ca = await ensureCa(inst, caName, deps, validity(CA_LIFETIME_MS), now);
  } catch (err) {
    return [{ reason: 'ApplyFailed', message: `Secret ${caName} (instance CA): ${(err as Error).message}` }];
  }
  const problems: Problem[] = [];
  for (const w of wanted) {
    try {
      const existing = await secret(w.secret);
      const reason = renewalReason(decode(existing, 'tls.crt'), ca, w.hosts, now);
      if (!reason) continue;
      const leaf = issueLeaf({ commonName: w.commonName, hosts: w.hosts, usages: w.usages, ...validity(LEAF_LIFETIME_MS) }, ca);
      await write(deps.rest, inst, existing, w.secret, 'kubernetes.io/tls', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem, 'ca.crt': ca.certPem });
      deps.log.info('issued a certificate', { secret: `${namespace}/${w.secret}`, for: w.what, reason });
      deps.notify({ type: 'Normal', reason: 'CertificateIssued', message: `issued the ${w.what} certificate in Secret ${w.secret} (${reason})` });
    } catch (err) {
      problems.push({ reason: 'ApplyFailed', message: `Secret ${w.secret} (${w.what} certificate): ${(err as Error).message}` });
    }
  }
  return problems;
}

/** The instance CA: read, or made (and replaced when due, with a Warning). */
async function ensureCa(inst: KelemetryInstance, name: string, deps: CertificateDeps, validity: { notBefore: Date; notAfter: Date }, now: Date): Promise<CertificatePem> {
  const namespace = namespaceOf(inst);
  const existing = await deps.rest.find<SecretObject>(objectPath(SECRET_RESOURCE, name, namespace));
  const current = { certPem: decode(existing, 'ca.crt') ?? '', keyPem: decode(existing, 'ca.key') ?? '' };
  const cert = parse(current.certPem);
  if (cert && current.keyPem && !dueForRenewal(cert, now)) return current;
  const ca = issueCa({ commonName: `${name}.${namespace}`, ...validity });
  await write(deps.rest, inst, existing, name, 'Opaque', { 'ca.crt': ca.certPem, 'ca.key': ca.keyPem });
  deps.log.info('issued the instance CA', { secret: `${namespace}/${name}` });
  if (existing) {
    deps.notify({ type: 'Warning', reason: 'CARotated', message: `replaced the instance CA in Secret ${name}: give the apiservers the new file from kelemetry audit-webhook-config` });
  }
  return ca;
}

/** Creates the Secret, or replaces it (optimistically, by resourceVersion) when it exists. */
async function write(rest: KubeRest, inst: KelemetryInstance, existing: SecretObject | undefined, name: string, type: string, data: Record<string, string>): Promise<void> {
  const { uid } = inst.metadata;
  const namespace = namespaceOf(inst);
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
