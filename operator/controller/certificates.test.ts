import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseInstance } from '../../api/types.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import { nullLogger } from '../../runtime/util/log.ts';
import type { EventSpec } from './events.ts';
import { ensureCertificates, wantedCertificates, webhookHosts, type WantedCertificate } from './certificates.ts';

const inst = (audit: object = {}) =>
  parseInstance({ apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', metadata: { name: 'k', namespace: 'ns', uid: 'u1' }, spec: { version: '0.1.0', clusters: [{ name: 'a' }], audit } });

/** Secrets by path, with the writes counted: just the calls ensureCertificates makes. */
function fakeRest() {
  const objects = new Map<string, { metadata: { name: string; resourceVersion?: string }; data: Record<string, string> }>();
  const writes: string[] = [];
  let version = 0;
  const rest = {
    find: async (path: string) => structuredClone(objects.get(path)),
    create: async (path: string, obj: { metadata: { name: string } }) => {
      writes.push(`create ${obj.metadata.name}`);
      objects.set(`${path}/${obj.metadata.name}`, { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++version) } } as never);
    },
    replace: async (path: string, obj: { metadata: { name: string } }) => {
      writes.push(`replace ${obj.metadata.name}`);
      objects.set(path, { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++version) } } as never);
    },
  };
  const value = (name: string, key: string) => Buffer.from(objects.get(`/api/v1/namespaces/ns/secrets/${name}`)!.data[key]!, 'base64').toString();
  return { rest: rest as unknown as KubeRest, writes, value };
}

/** Only the webhook's certificate, for these hosts. */
const webhookOnly = (hosts: string[]): WantedCertificate[] => [{ secret: 'k-webhook-tls', what: 'audit webhook', commonName: hosts[0]!, hosts, usages: ['server'] }];

const day = 86_400_000;
const start = new Date('2026-11-30T00:00:00Z');
const at = (days: number) => new Date(start.getTime() + days * day);

describe('ensureCertificates', () => {
  it('issues a CA and a serving certificate for the Service, then re-issues only what changed or ages', async () => {
    const { rest, writes, value } = fakeRest();
    const events: EventSpec[] = [];
    const deps = (now: Date) => ({ rest, log: nullLogger, notify: (e: EventSpec) => events.push(e), now });
    const dnsOnly = webhookHosts(inst(), undefined);
    expect(dnsOnly).toEqual(['k-webhook', 'k-webhook.ns', 'k-webhook.ns.svc', 'k-webhook.ns.svc.cluster.local']);

    expect(await ensureCertificates(inst(), webhookOnly(dnsOnly), deps(start))).toEqual([]);
    expect(writes).toEqual(['create k-ca', 'create k-webhook-tls']);
    const ca = new X509Certificate(value('k-ca', 'ca.crt'));
    const first = new X509Certificate(value('k-webhook-tls', 'tls.crt'));
    expect(first.verify(ca.publicKey)).toBe(true);
    expect(value('k-webhook-tls', 'ca.crt')).toBe(ca.toString());
    expect(first.checkHost('k-webhook.ns.svc')).toBe('k-webhook.ns.svc');

    await ensureCertificates(inst(), webhookOnly(dnsOnly), deps(at(1)));
    expect(writes).toHaveLength(2);

    const withIp = webhookHosts(inst(), { spec: { clusterIP: '10.96.0.40', type: 'ClusterIP' } });
    await ensureCertificates(inst(), webhookOnly(withIp), deps(at(1)));
    expect(writes.slice(2)).toEqual(['replace k-webhook-tls']);
    expect(new X509Certificate(value('k-webhook-tls', 'tls.crt')).checkIP('10.96.0.40')).toBe('10.96.0.40');

    // A third of the year left: renewed, same CA.
    await ensureCertificates(inst(), webhookOnly(withIp), deps(at(250)));
    expect(writes.slice(3)).toEqual(['replace k-webhook-tls']);
    expect(new X509Certificate(value('k-ca', 'ca.crt')).fingerprint256).toBe(ca.fingerprint256);

    // A third of the CA's ten years left: a new CA, a new certificate, and a Warning.
    await ensureCertificates(inst(), webhookOnly(withIp), deps(at(2500)));
    expect(writes.slice(4)).toEqual(['replace k-ca', 'replace k-webhook-tls']);
    const newCa = new X509Certificate(value('k-ca', 'ca.crt'));
    expect(newCa.fingerprint256).not.toBe(ca.fingerprint256);
    expect(new X509Certificate(value('k-webhook-tls', 'tls.crt')).verify(newCa.publicKey)).toBe(true);
    expect(events.filter((e) => e.type === 'Warning').map((e) => e.reason)).toEqual(['CARotated']);
  });

  it('wants the webhook certificate unless the spec names its own or turns TLS off, the managed etcd pair and the managed Jaeger servers', () => {
    const secrets = (audit: object, storage?: object) => wantedCertificates(parseInstance({ apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', metadata: { name: 'k', namespace: 'ns' }, spec: { version: '0.1.0', clusters: [{ name: 'a' }], audit, ...(storage ? { storage } : {}) } }), undefined).map((w) => `${w.secret} ${w.usages.join(',')}`);
    const jaeger = ['k-jaeger-collector-tls server', 'k-jaeger-storage-tls server'];
    expect(secrets({})).toEqual(['k-webhook-tls server', 'k-etcd-tls server', 'k-etcd-client-tls client', ...jaeger]);
    expect(secrets({ tls: { secretName: 'mine' } })).toEqual(['k-etcd-tls server', 'k-etcd-client-tls client', ...jaeger]);
    expect(secrets({ tls: { enabled: false } }, { etcd: { external: { endpoints: ['https://etcd:2379'] } } })).toEqual(jaeger);
    const externalJaeger = { jaeger: { external: { otlpEndpoint: 'jaeger:4317', remoteStorageEndpoint: 'jaeger:17271' } } };
    expect(secrets({ tls: { enabled: false } }, { etcd: { external: { endpoints: ['https://etcd:2379'] } }, ...externalJaeger })).toEqual([]);
    const wanted = wantedCertificates(inst(), undefined);
    const etcd = wanted.find((w) => w.secret === 'k-etcd-tls')!;
    expect(etcd.hosts).toEqual(expect.arrayContaining(['k-etcd.ns.svc', '*.k-etcd.ns.svc', '127.0.0.1']));
    // The names the clients dial: the Kelemetry pods the collector, the collector and the frontend storage.
    expect(wanted.find((w) => w.secret === 'k-jaeger-collector-tls')!.hosts).toContain('k-jaeger-collector.ns.svc');
    expect(wanted.find((w) => w.secret === 'k-jaeger-storage-tls')!.hosts).toContain('k-jaeger-storage.ns.svc');
  });

  it('reports a refused write as a problem naming the Secret', async () => {
    const rest = { find: async () => undefined, create: async () => Promise.reject(new Error('forbidden')) } as unknown as KubeRest;
    expect(await ensureCertificates(inst(), webhookOnly(['k-webhook']), { rest, log: nullLogger, notify: () => {} })).toEqual([{ reason: 'ApplyFailed', message: 'Secret k-ca (instance CA): forbidden' }]);
  });
});
