/**
 * The KelemetryInstance API (kelemetry.io/v1alpha1), defined once as zod schemas. The CRD in crds/ is
 * generated from these (operator/api/crd.ts), so defaults and validation live in the API server: a
 * GitOps tool sees the same object it applied, and the operator never writes spec.
 *
 * Cross-field rules are CEL (`x-kubernetes-validations`) attached with `.meta()`; `validateSpecSemantics`
 * re-checks the same rules in TypeScript for `kelemetry synth`, which has no API server in front of it.
 */
import { z } from 'zod';

export const GROUP = 'kelemetry.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'KelemetryInstance';
export const PLURAL = 'kelemetryinstances';
export const SINGULAR = 'kelemetryinstance';
export const SHORT_NAMES = ['ki'];

type Rule = { rule: string; message: string; fieldPath?: string; reason?: string };
/** CEL rules, evaluated by the API server after defaulting. */
const cel = (...rules: Rule[]) => ({ 'x-kubernetes-validations': rules });

const dnsLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
  .meta({ description: 'A DNS label: lowercase letters, digits and -, at most 63 characters.' });
const objectName = z.string().min(1).max(253);
const duration = z
  .string()
  .max(32)
  .regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/)
  .meta({ description: 'A duration such as 500ms, 10s, 30m or 1h30m.' });
const quantity = z
  .string()
  .max(64)
  .regex(/^[0-9]+(\.[0-9]+)?([eE][0-9]+|[munkMGTPE]i?|Ki)?$/)
  .meta({ description: 'A Kubernetes quantity such as 1Gi or 500m.' });
const intOrString = z.union([z.string().max(64), z.number().int()]).meta({ 'x-kubernetes-int-or-string': true });
const replicas = (def: number) => z.number().int().min(0).max(100).default(def);
const workers = (def: number) => z.number().int().min(1).max(256).default(def);
const stringMap = z.record(z.string().max(317), z.string().max(1024));

export const secretKeyRef = (defaultKey: string) =>
  z.object({
    name: objectName.meta({ description: 'Secret in the instance namespace.' }),
    key: z.string().min(1).max(253).default(defaultKey),
  });
export const secretRef = z.object({ name: objectName });

export const resourceRequirements = z.object({
  requests: z.record(z.string().max(253), intOrString).optional(),
  limits: z.record(z.string().max(253), intOrString).optional(),
});

export const toleration = z.object({
  key: z.string().max(317).optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().max(253).optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});

/** Scheduling and sizing of one component's pods. */
export const podOptions = z.object({
  resources: resourceRequirements.optional(),
  nodeSelector: stringMap.optional(),
  tolerations: z.array(toleration).max(64).optional(),
  /** A core/v1 Affinity, passed through unchanged. */
  affinity: z
    .record(z.string(), z.unknown())
    .meta({ 'x-kubernetes-preserve-unknown-fields': true, description: 'A core/v1 Affinity, copied into the pod spec.' })
    .optional(),
  /** Extra pod annotations (e.g. for a service mesh); never used for selection. */
  annotations: stringMap.optional(),
});

export const persistence = z.object({
  size: quantity.default('1Gi'),
  storageClassName: objectName.optional(),
  /** emptyDir instead of a PersistentVolumeClaim: data is lost when a pod moves. */
  ephemeral: z.boolean().default(false),
});

const serviceOptions = z
  .object({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP'),
    nodePort: z.number().int().min(1).max(65535).optional(),
  })
  .meta(cel({ rule: "!has(self.nodePort) || self.type != 'ClusterIP'", message: 'nodePort needs type NodePort or LoadBalancer' }));

const imageRef = z.object({
  repository: z.string().min(1).max(512),
  /** Defaults to the tag the operator pairs with spec.version. */
  tag: z.string().min(1).max(128).optional(),
});

export const imagesSpec = z.object({
  kelemetry: imageRef.prefault({ repository: 'ghcr.io/kelemetry/kelemetry' }),
  jaeger: imageRef.prefault({ repository: 'jaegertracing/jaeger' }),
  etcd: imageRef.prefault({ repository: 'quay.io/coreos/etcd' }),
  pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  pullSecrets: z.array(objectName).max(16).optional(),
});

export const clusterSpec = z.object({
  /** Appears in every span's cluster tag and in the audit webhook path /audit/<name>. */
  name: dnsLabel,
  kubeconfig: z
    .object({
      source: z.enum(['InCluster', 'Secret']).default('InCluster'),
      secretRef: secretKeyRef('kubeconfig').optional(),
    })
    .meta(cel({ rule: "(self.source == 'Secret') == has(self.secretRef)", message: 'kubeconfig.secretRef is required when source is Secret and not allowed otherwise' }))
    .prefault({}),
  /** Overrides the apiserver URL found in the kubeconfig. */
  apiserver: z.string().url().max(512).optional(),
  /** After: diffs are indexed by the new resourceVersion; Before: by the old one (spec 7.4). */
  resourceVersionIndex: z.enum(['After', 'Before']).default('After'),
  audit: z
    .object({
      /** Whether this cluster's apiserver posts audit events to this instance's webhook. */
      enabled: z.boolean().default(true),
      /** Source IPs of the apiservers, so posts to /audit (no cluster in the path) can be attributed. */
      sourceAddresses: z.array(z.string().max(64)).max(32).optional(),
    })
    .prefault({}),
});

export const auditSpec = z
  .object({
    replicas: replicas(3),
    /** Consumer partitions (the original's source.webhook.workerCount). */
    workers: workers(8),
    tls: z
      .object({
        enabled: z.boolean().default(false),
        /** A kubernetes.io/tls Secret (tls.crt, tls.key) for the webhook's serving certificate. */
        secretName: objectName.optional(),
      })
      .meta(cel({ rule: '!self.enabled || has(self.secretName)', message: 'tls.secretName is required when tls.enabled is true' }))
      .prefault({}),
    auth: z
      .object({
        mode: z.enum(['None', 'Token', 'ClientCertificate']).default('None'),
        /** Bearer token the apiservers send (mode Token). */
        tokenSecretRef: secretKeyRef('token').optional(),
        /** CA that signs the apiservers' client certificates (mode ClientCertificate). */
        clientCaSecretRef: secretKeyRef('ca.crt').optional(),
      })
      .meta(
        cel(
          { rule: "self.mode != 'Token' || has(self.tokenSecretRef)", message: 'auth.tokenSecretRef is required when auth.mode is Token' },
          { rule: "self.mode != 'ClientCertificate' || has(self.clientCaSecretRef)", message: 'auth.clientCaSecretRef is required when auth.mode is ClientCertificate' },
        ),
      )
      .prefault({}),
    /** Copies of every accepted audit batch are POSTed to these URLs. */
    forward: z
      .array(z.object({ name: dnsLabel, url: z.string().url().max(512) }))
      .max(16)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .optional(),
    service: serviceOptions.prefault({}),
    pod: podOptions.prefault({}),
  })
  .meta(cel({ rule: "self.auth.mode != 'ClientCertificate' || self.tls.enabled", message: 'auth.mode ClientCertificate needs tls.enabled' }));

export const informersSpec = z
  .object({
    replicas: replicas(3),
    diff: z
      .object({
        enabled: z.boolean().default(true),
        /** Replicas that watch at once (the original's diff.leaders); one of them writes. */
        leaders: z.number().int().min(1).max(16).default(2),
        workers: workers(8),
        /** Objects whose key matches this regular expression keep no diff content. */
        redactPattern: z.string().max(1024).optional(),
        storeTimeout: duration.default('10s'),
        patchTtl: duration.default('1h'),
        snapshotTtl: duration.default('1h'),
      })
      .prefault({}),
    event: z
      .object({
        enabled: z.boolean().default(true),
        workers: workers(8),
        /** How often the controller records the last event it handled. */
        syncInterval: duration.default('5s'),
      })
      .prefault({}),
    pod: podOptions.prefault({}),
  })
  .meta(cel({ rule: '!self.diff.enabled || self.replicas == 0 || self.diff.leaders <= self.replicas', message: 'diff.leaders cannot exceed replicas' }));

const cacheSpec = (prefix: string) =>
  z.object({
    backend: z.enum(['etcd', 'redis', 'memory']).default('etcd'),
    /** Key prefix; instances sharing a store and this prefix share the cache (multi-cluster). */
    prefix: z.string().min(1).max(128).default(prefix),
  });

export const storageSpec = z
  .object({
    etcd: z
      .object({
        managed: z
          .object({
            replicas: z.number().int().min(1).max(7).default(3),
            storage: persistence.prefault({}),
            pod: podOptions.prefault({}),
          })
          .optional(),
        external: z
          .object({
            endpoints: z.array(z.string().url().max(512)).min(1).max(16),
            /** Secret with ca.crt, tls.crt and tls.key: mutual TLS to etcd. */
            tlsSecretRef: secretRef.optional(),
            username: z.string().max(253).optional(),
            passwordSecretRef: secretKeyRef('password').optional(),
          })
          .optional(),
      })
      .meta(cel({ rule: 'has(self.managed) != has(self.external)', message: 'storage.etcd: set exactly one of managed or external' }))
      // Managed by default; it is only deployed while some cache uses etcd.
      .prefault({ managed: {} }),
    redis: z
      .object({
        external: z.object({
          url: z.string().max(512).regex(/^rediss?:\/\//),
          /** Secret with ca.crt to verify the server (use a rediss:// URL). */
          tlsSecretRef: secretRef.optional(),
          passwordSecretRef: secretKeyRef('password').optional(),
        }),
      })
      .optional(),
    caches: z
      .object({
        span: cacheSpec('/span/').prefault({}),
        diff: cacheSpec('/diff/').prefault({}),
        trace: cacheSpec('/trace/').prefault({}),
      })
      .prefault({}),
    jaeger: z
      .object({
        managed: z
          .object({
            collectorReplicas: replicas(1),
            storage: persistence.prefault({}),
            collectorPod: podOptions.prefault({}),
            storagePod: podOptions.prefault({}),
          })
          .optional(),
        external: z
          .object({
            /** OTLP/gRPC endpoint spans are written to, host:port. */
            otlpEndpoint: z.string().min(1).max(512),
            /** jaeger.storage.v2 remote-storage endpoint raw traces are read from, host:port. */
            remoteStorageEndpoint: z.string().min(1).max(512),
            insecure: z.boolean().default(true),
          })
          .optional(),
      })
      .meta(cel({ rule: 'has(self.managed) != has(self.external)', message: 'storage.jaeger: set exactly one of managed or external' }))
      .prefault({ managed: {} }),
  })
  .meta(
    cel(
      {
        rule: "has(self.redis) || (self.caches.span.backend != 'redis' && self.caches.diff.backend != 'redis' && self.caches.trace.backend != 'redis')",
        message: 'a cache uses backend redis, so storage.redis.external is required',
      },
    ),
  );

export const frontendSpec = z.object({
  replicas: replicas(3),
  /** The display-mode (transform) configuration file, from a ConfigMap; the built-in one when absent. */
  displayModes: z.object({ configMapRef: z.object({ name: objectName, key: z.string().min(1).max(253).default('tfconfig.yaml') }).optional() }).prefault({}),
  service: serviceOptions.prefault({}),
  pod: podOptions.prefault({}),
  /** Resources of the Jaeger query container in the same pod. */
  queryResources: resourceRequirements.optional(),
});

export const kelemetryInstanceSpec = z
  .object({
    /** One field drives every image and flag; changing it is an upgrade, rolled in order. */
    version: z.string().max(64).regex(/^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/),
    /** Unmanaged: the operator leaves every object alone and only reports status. */
    managementState: z.enum(['Managed', 'Unmanaged']).default('Managed'),
    images: imagesSpec.prefault({}),
    clusters: z
      .array(clusterSpec)
      .min(1)
      .max(32)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }),
    /** The cluster this instance runs in (its informers watch it); defaults to the first cluster. */
    currentCluster: dnsLabel.optional(),
    audit: auditSpec.prefault({}),
    informers: informersSpec.prefault({}),
    storage: storageSpec.prefault({}),
    frontend: frontendSpec.prefault({}),
  })
  .meta(
    cel(
      { rule: '!has(self.currentCluster) || self.clusters.exists(c, c.name == self.currentCluster)', message: 'currentCluster must name one of spec.clusters' },
      {
        rule:
          "(self.storage.caches.span.backend != 'memory' && self.storage.caches.diff.backend != 'memory') || (self.audit.replicas <= 1 && self.informers.replicas <= 1)",
        message: 'memory caches live in one process: use them only with audit.replicas and informers.replicas at most 1',
      },
    ),
  );

export const condition = z.object({
  type: z.string().min(1).max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().max(1024),
  message: z.string().max(32768),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().optional(),
});

export const componentStatus = z.object({
  name: z.string(),
  kind: z.string(),
  replicas: z.number().int(),
  readyReplicas: z.number().int(),
  updatedReplicas: z.number().int(),
  version: z.string().optional(),
  ready: z.boolean(),
});

export const kelemetryInstanceStatus = z.object({
  observedGeneration: z.number().int().optional(),
  conditions: z
    .array(condition)
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
    .optional(),
  /** The version every component runs; set once a rollout finishes. */
  currentVersion: z.string().optional(),
  desiredVersion: z.string().optional(),
  rollout: z
    .object({
      phase: z.enum(['Idle', 'Stores', 'Workers', 'Frontend']),
      message: z.string().optional(),
    })
    .optional(),
  components: z
    .array(componentStatus)
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
    .optional(),
  clusterCount: z.number().int().optional(),
  /** What to put in each cluster's kube-apiserver --audit-webhook-config-file. */
  auditWebhook: z
    .object({
      service: z.string(),
      clusters: z.array(z.object({ name: z.string(), url: z.string() })),
    })
    .optional(),
});

export type KelemetryInstanceSpecInput = z.input<typeof kelemetryInstanceSpec>;
export type KelemetryInstanceSpec = z.output<typeof kelemetryInstanceSpec>;
export type KelemetryInstanceStatus = z.output<typeof kelemetryInstanceStatus>;
export type Condition = z.output<typeof condition>;
export type ComponentStatus = z.output<typeof componentStatus>;
export type PodOptions = z.output<typeof podOptions>;
export type Persistence = z.output<typeof persistence>;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  creationTimestamp?: string;
}

/** A KelemetryInstance with its spec validated and defaulted. */
export interface KelemetryInstance {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: KelemetryInstanceSpec;
  status?: KelemetryInstanceStatus;
}

export class SpecError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid KelemetryInstance ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'SpecError';
  }
}

/**
 * Validates and defaults a spec outside the API server (synth, tests), applying the same cross-field
 * rules the CRD enforces with CEL so both paths refuse the same documents.
 */
export function parseSpec(doc: unknown, source = 'spec'): KelemetryInstanceSpec {
  const result = kelemetryInstanceSpec.safeParse(doc);
  if (!result.success) {
    throw new SpecError(source, result.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`));
  }
  const issues = crossFieldIssues(result.data);
  if (issues.length) throw new SpecError(source, issues);
  return result.data;
}

/** The CEL rules of the CRD, in TypeScript (kept next to the schema so a change touches both). */
export function crossFieldIssues(spec: KelemetryInstanceSpec): string[] {
  const issues: string[] = [];
  const { audit, informers, storage } = spec;
  const names = spec.clusters.map((c) => c.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) issues.push(`spec.clusters[${i}].name: duplicate cluster name "${n}"`);
  });
  spec.clusters.forEach((c, i) => {
    if ((c.kubeconfig.source === 'Secret') !== (c.kubeconfig.secretRef !== undefined)) {
      issues.push(`spec.clusters[${i}].kubeconfig: kubeconfig.secretRef is required when source is Secret and not allowed otherwise`);
    }
  });
  if (spec.currentCluster && !names.includes(spec.currentCluster)) issues.push('spec.currentCluster: currentCluster must name one of spec.clusters');
  if (audit.tls.enabled && !audit.tls.secretName) issues.push('spec.audit.tls: tls.secretName is required when tls.enabled is true');
  if (audit.auth.mode === 'Token' && !audit.auth.tokenSecretRef) issues.push('spec.audit.auth: auth.tokenSecretRef is required when auth.mode is Token');
  if (audit.auth.mode === 'ClientCertificate' && !audit.auth.clientCaSecretRef) issues.push('spec.audit.auth: auth.clientCaSecretRef is required when auth.mode is ClientCertificate');
  if (audit.auth.mode === 'ClientCertificate' && !audit.tls.enabled) issues.push('spec.audit: auth.mode ClientCertificate needs tls.enabled');
  if (informers.diff.enabled && informers.replicas > 0 && informers.diff.leaders > informers.replicas) issues.push('spec.informers: diff.leaders cannot exceed replicas');
  if ((storage.etcd.managed !== undefined) === (storage.etcd.external !== undefined)) issues.push('spec.storage.etcd: set exactly one of managed or external');
  if ((storage.jaeger.managed !== undefined) === (storage.jaeger.external !== undefined)) issues.push('spec.storage.jaeger: set exactly one of managed or external');
  const backends = [storage.caches.span.backend, storage.caches.diff.backend, storage.caches.trace.backend];
  if (backends.includes('redis') && !storage.redis) issues.push('spec.storage: a cache uses backend redis, so storage.redis.external is required');
  if ((storage.caches.span.backend === 'memory' || storage.caches.diff.backend === 'memory') && (audit.replicas > 1 || informers.replicas > 1)) {
    issues.push('spec: memory caches live in one process: use them only with audit.replicas and informers.replicas at most 1');
  }
  if (audit.service.nodePort !== undefined && audit.service.type === 'ClusterIP') issues.push('spec.audit.service: nodePort needs type NodePort or LoadBalancer');
  return issues;
}

/** Reads a KelemetryInstance document (from YAML, the API server or a test) into the typed form. */
export function parseInstance(doc: unknown, source = 'instance'): KelemetryInstance {
  const obj = doc as { apiVersion?: unknown; kind?: unknown; metadata?: ObjectMeta; spec?: unknown; status?: unknown };
  if (!obj || typeof obj !== 'object') throw new SpecError(source, ['not an object']);
  if (obj.apiVersion !== API_VERSION || obj.kind !== KIND) {
    throw new SpecError(source, [`want apiVersion ${API_VERSION} and kind ${KIND}, got ${String(obj.apiVersion)} ${String(obj.kind)}`]);
  }
  if (!obj.metadata?.name) throw new SpecError(source, ['metadata.name is required']);
  const name = obj.metadata.name;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 40) {
    throw new SpecError(source, [`metadata.name "${name}": want a DNS label of at most 40 characters (object names are derived from it)`]);
  }
  const status = obj.status === undefined ? undefined : kelemetryInstanceStatus.safeParse(obj.status);
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: obj.metadata,
    spec: parseSpec(obj.spec, `${obj.metadata.namespace ?? 'default'}/${name}`),
    status: status?.success ? status.data : undefined,
  };
}
