/**
 * Maps a KelemetryInstance spec onto the runtime's own config type (runtime/config/schema.ts), one
 * document per role. Each role's document enables exactly its component section; the shared parts
 * (clusters, stores, tracer, metrics) are identical across roles but for the component's own version
 * (tracer service.version), so every process agrees on cache prefixes and endpoints — which is what
 * lets instances in several clusters share one store.
 */
import { DEFAULT_EXCLUDED_RESOURCES } from '../runtime/config/common.ts';
import type { ConfigInput } from '../runtime/config/schema.ts';
import type { KelemetryInstance } from '../api/types.ts';
import { auditDumpConfig, auditFilterConfig } from './auditConfig.ts';
import { objectName } from './naming.ts';
import { PATHS, PORTS } from './ports.ts';

export type Role = 'consumer' | 'informers' | 'frontend';
export const ROLES: Role[] = ['consumer', 'informers', 'frontend'];

function ref(inst: KelemetryInstance) {
  return { name: inst.metadata.name, namespace: inst.metadata.namespace ?? 'default' };
}

export function serviceHost(inst: KelemetryInstance, suffix: string): string {
  const r = ref(inst);
  return `${objectName(r, suffix)}.${r.namespace}.svc`;
}

function etcdEndpoints(inst: KelemetryInstance): string[] {
  const etcd = inst.spec.storage.etcd;
  if (etcd.external) return etcd.external.endpoints;
  return [`https://${serviceHost(inst, 'etcd')}:${PORTS.etcdClient}`];
}

export function usesBackend(inst: KelemetryInstance, backend: 'etcd' | 'redis' | 'memory'): boolean {
  const c = inst.spec.storage.caches;
  return [c.span.backend, c.diff.backend, c.trace.backend].includes(backend);
}

export function otlpEndpoint(inst: KelemetryInstance): string {
  const j = inst.spec.storage.jaeger;
  return j.external ? j.external.otlpEndpoint : `${serviceHost(inst, 'jaeger-collector')}:${PORTS.otlpGrpc}`;
}

export function remoteStorageEndpoint(inst: KelemetryInstance): string {
  const j = inst.spec.storage.jaeger;
  return j.external ? j.external.remoteStorageEndpoint : `${serviceHost(inst, 'jaeger-storage')}:${PORTS.remoteStorage}`;
}

/** etcd: mutual TLS (ca.crt, tls.crt, tls.key); Redis: server verification only (ca.crt). */
function tlsFiles(dir: string, mutual: boolean) {
  return mutual ? { caFile: `${dir}/ca.crt`, certFile: `${dir}/tls.crt`, keyFile: `${dir}/tls.key` } : { caFile: `${dir}/ca.crt` };
}

function currentCluster(inst: KelemetryInstance): string {
  return inst.spec.currentCluster ?? inst.spec.clusters[0]!.name;
}

function orderedClusters(inst: KelemetryInstance) {
  const current = currentCluster(inst);
  return [...inst.spec.clusters].sort((a, b) => Number(b.name === current) - Number(a.name === current));
}

/** `version` is the component's own (see renderRuntimeConfig). */
function shared(inst: KelemetryInstance, version: string): ConfigInput {
  const { spec } = inst;
  const stores: NonNullable<ConfigInput['stores']> = { spanCache: cacheOf(inst, 'span') };
  if (usesBackend(inst, 'etcd')) {
    const ext = spec.storage.etcd.external;
    stores.etcd = {
      endpoints: etcdEndpoints(inst),
      ...(ext?.tlsSecretRef || managedEtcdTls(inst) ? { tls: tlsFiles(PATHS.etcdTls, true) } : {}),
      ...(ext?.username ? { username: ext.username } : {}),
      ...(ext?.passwordSecretRef ? { passwordFile: `${PATHS.etcdPassword}/${ext.passwordSecretRef.key}` } : {}),
    };
  }
  const redis = spec.storage.redis?.external;
  if (usesBackend(inst, 'redis') && redis) {
    stores.redis = {
      url: redis.url,
      ...(redis.tlsSecretRef ? { tls: tlsFiles(PATHS.redisTls, false) } : {}),
      ...(redis.passwordSecretRef ? { passwordFile: `${PATHS.redisPassword}/${redis.passwordSecretRef.key}` } : {}),
    };
  }
  return {
    // The cluster this instance runs in comes first: it is the one whose informers run here.
    clusters: orderedClusters(inst).map((c) => ({
      name: c.name,
      ...(c.kubeconfig.source === 'Secret' && c.kubeconfig.secretRef ? { kubeconfig: `${PATHS.clusters}/${c.name}/${c.kubeconfig.secretRef.key}` } : {}),
      ...(c.audit.sourceAddresses?.length ? { apiserverAddresses: c.audit.sourceAddresses } : {}),
    })),
    stores,
    tracer: {
      otlpEndpoint: otlpEndpoint(inst),
      ...tracerTls(inst),
      resourceAttributes: { 'service.version': version, 'k8s.namespace.name': ref(inst).namespace, 'kelemetry.instance': inst.metadata.name },
      resourceTags: { mapping: spec.resourceTags.mapping },
    },
    // Probes and Prometheus reach the pod IP, so bind every interface inside the pod.
    metrics: { listen: `0.0.0.0:${PORTS.metrics}`, originalNames: spec.metrics.originalNames },
  };
}

/** The managed collector is verified with the instance CA; an external one keeps its own `insecure` setting. */
function tracerTls(inst: KelemetryInstance): Pick<NonNullable<ConfigInput['tracer']>, 'insecure' | 'tls'> {
  const external = inst.spec.storage.jaeger.external;
  if (external) return { insecure: external.insecure };
  return managedJaegerTls(inst) ? { insecure: false, tls: { caFile: `${PATHS.jaegerCa}/ca.crt` } } : { insecure: true };
}

function cacheOf(inst: KelemetryInstance, which: 'span' | 'diff' | 'trace') {
  const c = inst.spec.storage.caches[which];
  return { backend: c.backend, prefix: c.prefix };
}

type Sections = Required<Pick<ConfigInput, 'audit' | 'informers' | 'plugin'>>;

/** Key of the generated audit token in its Secret. */
export const AUDIT_TOKEN_KEY = 'token';

/**
 * The Secret holding the bearer token the audit webhook requires (mode Token): the one the spec names,
 * else `<instance>-audit-token`, which the operator generates. undefined when no token is checked.
 */
export function auditTokenRef(inst: KelemetryInstance): { name: string; key: string } | undefined {
  const { auth } = inst.spec.audit;
  if (auth.mode !== 'Token') return undefined;
  return auth.tokenSecretRef ?? { name: objectName(ref(inst), 'audit-token'), key: AUDIT_TOKEN_KEY };
}

/**
 * The kubernetes.io/tls Secret of the webhook's serving certificate when TLS is on: the spec's, or
 * `<instance>-webhook-tls`, which the operator issues from the instance CA `<instance>-ca`.
 */
export function webhookTlsSecretName(inst: KelemetryInstance): string | undefined {
  const { tls } = inst.spec.audit;
  if (!tls.enabled) return undefined;
  return tls.secretName ?? objectName(ref(inst), 'webhook-tls');
}

/** The instance's CA (ca.crt, ca.key), which the operator keeps to sign the certificates of its components. */
export function instanceCaSecretName(inst: KelemetryInstance): string {
  return objectName(ref(inst), 'ca');
}

/**
 * The managed etcd's certificates: its serving certificate, and the client certificate the Kelemetry
 * pods present (etcd requires one); undefined with an external etcd, which keeps its own settings.
 */
export function managedEtcdTls(inst: KelemetryInstance): { serverSecret: string; clientSecret: string } | undefined {
  if (!inst.spec.storage.etcd.managed) return undefined;
  return { serverSecret: objectName(ref(inst), 'etcd-tls'), clientSecret: objectName(ref(inst), 'etcd-client-tls') };
}

/**
 * The managed Jaeger's serving certificates: the collector's (OTLP from the Kelemetry pods) and storage's
 * (OTLP from the collector, remote storage for the frontend); undefined with an external Jaeger, which
 * keeps its own settings.
 */
export function managedJaegerTls(inst: KelemetryInstance): { collectorSecret: string; storageSecret: string } | undefined {
  if (!inst.spec.storage.jaeger.managed) return undefined;
  return { collectorSecret: objectName(ref(inst), 'jaeger-collector-tls'), storageSecret: objectName(ref(inst), 'jaeger-storage-tls') };
}

function auditSection(inst: KelemetryInstance): Sections['audit'] {
  const { audit } = inst.spec;
  const ca = audit.auth.clientCaSecretRef;
  const token = auditTokenRef(inst);
  return {
    webhook: {
      enabled: true,
      listen: `0.0.0.0:${PORTS.webhook}`,
      ...(audit.tls.enabled
        ? {
            tls: {
              certFile: `${PATHS.webhookTls}/tls.crt`,
              keyFile: `${PATHS.webhookTls}/tls.key`,
              ...(audit.auth.mode === 'ClientCertificate' && ca ? { clientCaFile: `${PATHS.webhookClientCa}/${ca.key}` } : {}),
            },
          }
        : {}),
      ...(token ? { bearerTokenFile: `${PATHS.webhookToken}/${token.key}` } : {}),
      forward: (audit.forward ?? []).map((f) => ({ name: f.name, url: f.url })),
    },
    queue: auditQueueConfig(inst),
    consumer: { enabled: true, inferObjectRef: audit.inferObjectRef },
    filter: auditFilterConfig(inst),
    ...auditDumpConfig(inst),
  };
}

/** spec.audit.queue → audit.queue: with Redis, the password and CA as files mounted by the consumer construct. */
function auditQueueConfig(inst: KelemetryInstance) {
  const { workers, queue } = inst.spec.audit;
  const redis = queue.backend === 'redis' ? queue.redis : undefined;
  if (!redis) return { partitions: workers };
  return {
    backend: 'redis' as const,
    partitions: workers,
    redis: {
      address: redis.address,
      db: redis.db,
      streamPrefix: redis.streamPrefix,
      maxLen: redis.maxLen,
      ...(redis.tlsSecretRef ? { tls: tlsFiles(PATHS.auditQueueRedisTls, false) } : {}),
      ...(redis.passwordSecretRef ? { passwordFile: `${PATHS.auditQueueRedisPassword}/${redis.passwordSecretRef.key}` } : {}),
    },
  };
}

function leaseName(inst: KelemetryInstance, what: string): string {
  return objectName(ref(inst), what);
}

function diffCache(inst: KelemetryInstance) {
  const { diff } = inst.spec.informers;
  return {
    ...cacheOf(inst, 'diff'),
    patchTtl: diff.patchTtl,
    snapshotTtl: diff.snapshotTtl,
    useOldResourceVersionClusters: inst.spec.clusters.filter((c) => c.resourceVersionIndex === 'Before').map((c) => c.name),
  };
}

/** The consumer decorates audit spans with diffs (the original's consumer.diff), read from the diff cache. */
function consumerInformersSection(inst: KelemetryInstance): Sections['informers'] {
  return {
    diffCache: diffCache(inst),
    diffDecorator: { enabled: inst.spec.informers.diff.enabled },
  };
}

function informersSection(inst: KelemetryInstance): Sections['informers'] {
  const { informers } = inst.spec;
  const namespace = ref(inst).namespace;
  return {
    // Explicit rather than implied by the order of `clusters`: the controllers watch this cluster only.
    cluster: currentCluster(inst),
    diffCache: diffCache(inst),
    diffController: {
      enabled: informers.diff.enabled,
      // The install's reader role grants no Secrets (manifests/constructs/operator/sharedRoles.ts).
      excludeResources: [...DEFAULT_EXCLUDED_RESOURCES, 'secrets'],
      ...(informers.diff.redactPattern ? { redactPattern: informers.diff.redactPattern } : {}),
      workerCount: informers.diff.workers,
      storeTimeout: informers.diff.storeTimeout,
      leaderElection: { namespace, name: leaseName(inst, 'diff-controller'), numLeaders: informers.diff.leaders },
      writerElection: { namespace, name: leaseName(inst, 'diff-writer') },
    },
    eventController: {
      enabled: informers.event.enabled,
      workerCount: informers.event.workers,
      configMapNamespace: namespace,
      configMapName: leaseName(inst, 'event-controller'),
      configMapSyncInterval: informers.event.syncInterval,
      leaderElection: { namespace, name: leaseName(inst, 'event-controller') },
    },
    ...(informers.diff.enabled && informers.diff.debugApi ? { diffApi: { listen: `0.0.0.0:${PORTS.diffApi}` } } : {}),
  };
}

function pluginSection(inst: KelemetryInstance): Sections['plugin'] {
  const dm = inst.spec.frontend.displayModes.configMapRef;
  return {
    // Jaeger query runs in the same pod and is the plugin's only client.
    grpcListen: `127.0.0.1:${PORTS.pluginGrpc}`,
    httpListen: `0.0.0.0:${PORTS.pluginHttp}`,
    backend: { remoteStorage: remoteStorageEndpoint(inst), ...(managedJaegerTls(inst) ? { tls: { caFile: `${PATHS.jaegerCa}/ca.crt` } } : {}) },
    traceCache: cacheOf(inst, 'trace'),
    ...(dm ? { displayModeFile: `${PATHS.displayModes}/${dm.key}` } : {}),
    ...(inst.spec.frontend.uiUrl ? { uiUrl: inst.spec.frontend.uiUrl } : {}),
  };
}

/** Audit-derived metrics: the spec section is the runtime's own (durations as text), so it is copied as written. */
function kelemetrixSection(inst: KelemetryInstance): Pick<ConfigInput, 'kelemetrix'> {
  const k = inst.spec.audit.kelemetrix;
  return k ? { kelemetrix: k } : {};
}

/**
 * The runtime config of one role, at `version`: the version that role's component is rendered at. During
 * an ordered upgrade the rollout planner holds components back at their old version; their config (and
 * so their pods' config hash) must then not change because another component moved on.
 */
export function renderRuntimeConfig(inst: KelemetryInstance, role: Role, version = inst.spec.version): ConfigInput {
  const base = shared(inst, version);
  // manifests/render.test.ts checks every rendered document with the runtime's own parseConfig.
  switch (role) {
    case 'consumer':
      return { ...base, audit: auditSection(inst), informers: consumerInformersSection(inst), ...kelemetrixSection(inst) };
    case 'informers':
      return { ...base, informers: informersSection(inst) };
    case 'frontend':
      return { ...base, plugin: pluginSection(inst) };
  }
}
