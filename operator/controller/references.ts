/**
 * Checks that every Secret and ConfigMap the spec names exists and has the key it needs, so a typo
 * shows up as a Degraded condition naming the field — not as pods stuck in ContainerCreating.
 * External stores are probed with a TCP connect, so "store unreachable" is reported too.
 */
import { connect } from 'node:net';
import type { KelemetryInstance } from '../../api/types.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import { CONFIGMAP_RESOURCE, SECRET_RESOURCE, objectPath } from './resources.ts';
import type { Problem } from './status.ts';

interface Ref {
  field: string;
  kind: 'Secret' | 'ConfigMap';
  name: string;
  keys: string[];
}

export function referencesOf(inst: KelemetryInstance): Ref[] {
  const { spec } = inst;
  const refs: Ref[] = [];
  spec.clusters.forEach((c, i) => {
    if (c.kubeconfig.secretRef) refs.push({ field: `spec.clusters[${i}].kubeconfig.secretRef`, kind: 'Secret', name: c.kubeconfig.secretRef.name, keys: [c.kubeconfig.secretRef.key] });
  });
  const { audit } = spec;
  if (audit.tls.enabled && audit.tls.secretName) refs.push({ field: 'spec.audit.tls.secretName', kind: 'Secret', name: audit.tls.secretName, keys: ['tls.crt', 'tls.key'] });
  if (audit.auth.mode === 'Token' && audit.auth.tokenSecretRef) refs.push({ field: 'spec.audit.auth.tokenSecretRef', kind: 'Secret', name: audit.auth.tokenSecretRef.name, keys: [audit.auth.tokenSecretRef.key] });
  if (audit.auth.mode === 'ClientCertificate' && audit.auth.clientCaSecretRef) {
    refs.push({ field: 'spec.audit.auth.clientCaSecretRef', kind: 'Secret', name: audit.auth.clientCaSecretRef.name, keys: [audit.auth.clientCaSecretRef.key] });
  }
  const etcd = spec.storage.etcd.external;
  if (etcd?.tlsSecretRef) refs.push({ field: 'spec.storage.etcd.external.tlsSecretRef', kind: 'Secret', name: etcd.tlsSecretRef.name, keys: ['ca.crt', 'tls.crt', 'tls.key'] });
  if (etcd?.passwordSecretRef) refs.push({ field: 'spec.storage.etcd.external.passwordSecretRef', kind: 'Secret', name: etcd.passwordSecretRef.name, keys: [etcd.passwordSecretRef.key] });
  const redis = spec.storage.redis?.external;
  if (redis?.tlsSecretRef) refs.push({ field: 'spec.storage.redis.external.tlsSecretRef', kind: 'Secret', name: redis.tlsSecretRef.name, keys: ['ca.crt'] });
  if (redis?.passwordSecretRef) refs.push({ field: 'spec.storage.redis.external.passwordSecretRef', kind: 'Secret', name: redis.passwordSecretRef.name, keys: [redis.passwordSecretRef.key] });
  const dm = spec.frontend.displayModes.configMapRef;
  if (dm) refs.push({ field: 'spec.frontend.displayModes.configMapRef', kind: 'ConfigMap', name: dm.name, keys: [dm.key] });
  return refs;
}

export async function checkReferences(rest: KubeRest, inst: KelemetryInstance): Promise<Problem[]> {
  const namespace = inst.metadata.namespace ?? 'default';
  const problems: Problem[] = [];
  for (const ref of referencesOf(inst)) {
    const resource = ref.kind === 'Secret' ? SECRET_RESOURCE : CONFIGMAP_RESOURCE;
    const obj = await rest.find<{ data?: Record<string, string> }>(objectPath(resource, ref.name, namespace));
    if (!obj) {
      problems.push({ reason: 'InvalidReference', message: `${ref.field}: ${ref.kind} ${namespace}/${ref.name} not found` });
      continue;
    }
    const missing = ref.keys.filter((k) => !(obj.data && k in obj.data));
    if (missing.length) problems.push({ reason: 'InvalidReference', message: `${ref.field}: ${ref.kind} ${namespace}/${ref.name} has no key ${missing.join(', ')}` });
  }
  return problems;
}

function hostPort(endpoint: string, defaultPort: number): { host: string; port: number } {
  const url = new URL(endpoint.includes('://') ? endpoint : `tcp://${endpoint}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || defaultPort) };
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (err?: string) => {
      socket.destroy();
      resolve(err);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done());
    socket.once('error', (err) => done(err.message));
  });
}

/** TCP-probes the external stores the spec names (managed ones are covered by their workloads' status). */
export async function checkExternalStores(inst: KelemetryInstance, timeoutMs = 2000): Promise<Problem[]> {
  const targets: { field: string; endpoint: string; port: number }[] = [];
  const { storage } = inst.spec;
  const c = storage.caches;
  const uses = (b: string) => [c.span.backend, c.diff.backend, c.trace.backend].includes(b as never);
  if (uses('etcd')) storage.etcd.external?.endpoints.forEach((e, i) => targets.push({ field: `spec.storage.etcd.external.endpoints[${i}]`, endpoint: e, port: 2379 }));
  if (uses('redis') && storage.redis) targets.push({ field: 'spec.storage.redis.external.url', endpoint: storage.redis.external.url, port: 6379 });
  if (storage.jaeger.external) {
    targets.push({ field: 'spec.storage.jaeger.external.otlpEndpoint', endpoint: storage.jaeger.external.otlpEndpoint, port: 4317 });
    targets.push({ field: 'spec.storage.jaeger.external.remoteStorageEndpoint', endpoint: storage.jaeger.external.remoteStorageEndpoint, port: 17271 });
  }
  const results = await Promise.all(
    targets.map(async (t) => {
      const { host, port } = hostPort(t.endpoint, t.port);
      const err = await tcpReachable(host, port, timeoutMs);
      return err ? ({ reason: 'StoreUnreachable', message: `${t.field}: ${host}:${port} unreachable: ${err}` } as Problem) : undefined;
    }),
  );
  return results.filter((p): p is Problem => p !== undefined);
}
