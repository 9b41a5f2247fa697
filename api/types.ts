/**
 * The KelemetryInstance API (kelemetry.io/v1alpha1), defined once as zod schemas. The CRD in crds/ is
 * generated from these (api/crd.ts), so defaults and validation live in the API server: a
 * GitOps tool sees the same object it applied, and the operator never writes spec.
 *
 * Cross-field rules are CEL (`x-kubernetes-validations`) attached with `.meta()`; `validateSpecSemantics`
 * re-checks the same rules in TypeScript for `kelemetry synth`, which has no API server in front of it.
 */
import { z } from 'zod';
import { checkRegexes } from '../runtime/config/common.ts';
import { QUANTIFIER_NAMES, TAG_NAMES } from '../runtime/kelemetrix/names.ts';

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

/** A key of a Secret; `keyDescription` says what the value under the key must be. */
export const secretKeyRef = (defaultKey: string, keyDescription = 'Key of the Secret that holds the value.') =>
  z.object({
    name: objectName.meta({ description: 'Secret in the instance namespace.' }),
    key: z.string().min(1).max(253).default(defaultKey).meta({ description: keyDescription }),
  });
export const secretRef = z.object({ name: objectName.meta({ description: 'Secret in the instance namespace.' }) });

export const resourceRequirements = z.object({
  requests: z
    .record(z.string().max(253), intOrString)
    .meta({ description: 'Resources reserved for the container, e.g. cpu: 100m, memory: 256Mi.' })
    .optional(),
  limits: z
    .record(z.string().max(253), intOrString)
    .meta({ description: 'The most the container may use; above the memory limit it is killed.' })
    .optional(),
});

export const toleration = z.object({
  key: z.string().max(317).meta({ description: 'Taint key to tolerate; empty with operator Exists tolerates every taint.' }).optional(),
  operator: z
    .enum(['Exists', 'Equal'])
    .meta({ description: 'Equal matches the taint value; Exists matches any value. Kubernetes defaults to Equal.' })
    .optional(),
  value: z.string().max(253).meta({ description: 'Taint value to match with operator Equal.' }).optional(),
  effect: z
    .enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])
    .meta({ description: 'Taint effect to match; empty matches every effect.' })
    .optional(),
  tolerationSeconds: z
    .number()
    .int()
    .meta({ description: 'With effect NoExecute: seconds the pod stays on a node after the taint appears; unset means forever.' })
    .optional(),
});

/** Scheduling and sizing of one component's pods. */
export const podOptions = z.object({
  resources: resourceRequirements
    .meta({ description: "CPU and memory requests and limits of the component's container (core/v1 ResourceRequirements)." })
    .optional(),
  nodeSelector: stringMap.meta({ description: 'Node labels a node must have to run the pods (pod spec nodeSelector).' }).optional(),
  tolerations: z
    .array(toleration.meta({ description: 'A core/v1 Toleration.' }))
    .max(64)
    .meta({ description: 'Taints the pods tolerate, copied into the pod spec.' })
    .optional(),
  /** A core/v1 Affinity, passed through unchanged. */
  affinity: z
    .record(z.string(), z.unknown())
    .meta({ 'x-kubernetes-preserve-unknown-fields': true, description: 'A core/v1 Affinity, copied into the pod spec.' })
    .optional(),
  /** Extra pod annotations (e.g. for a service mesh); never used for selection. */
  annotations: stringMap.meta({ description: 'Extra annotations on the pods (e.g. for a service mesh); never used for selection.' }).optional(),
});

export const persistence = z.object({
  size: quantity.default('1Gi').meta({ description: 'Capacity requested by each PersistentVolumeClaim (e.g. 1Gi); unused when ephemeral is true.' }),
  storageClassName: objectName
    .meta({ description: "StorageClass of the PersistentVolumeClaims; the cluster's default class when unset." })
    .optional(),
  /** emptyDir instead of a PersistentVolumeClaim: data is lost when a pod moves. */
  ephemeral: z
    .boolean()
    .default(false)
    .meta({ description: 'Use an emptyDir instead of a PersistentVolumeClaim: data is lost when a pod is deleted or moves to another node.' }),
});

const serviceOptions = z
  .object({
    type: z
      .enum(['ClusterIP', 'NodePort', 'LoadBalancer'])
      .default('ClusterIP')
      .meta({ description: 'Kubernetes Service type; NodePort or LoadBalancer expose the Service outside the cluster.' }),
    nodePort: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .meta({
        description:
          'Fixed node port for the main port (audit: the webhook, frontend: the Jaeger UI), with type NodePort or LoadBalancer; Kubernetes picks one when unset.',
      })
      .optional(),
  })
  .meta(cel({ rule: "!has(self.nodePort) || self.type != 'ClusterIP'", message: 'nodePort needs type NodePort or LoadBalancer' }));

const imageRef = z.object({
  repository: z.string().min(1).max(512).meta({ description: 'Image repository, without a tag.' }),
  /** Defaults to the tag the operator pairs with spec.version. */
  tag: z.string().min(1).max(128).meta({ description: 'Image tag; when unset, the tag the operator pairs with spec.version.' }).optional(),
});

export const imagesSpec = z.object({
  kelemetry: imageRef
    .meta({ description: 'Kelemetry image, run by the consumer, informers and frontend pods; its tag defaults to spec.version.' })
    .prefault({ repository: 'ghcr.io/kelemetry/kelemetry' }),
  jaeger: imageRef
    .meta({ description: 'Jaeger v2 image, run by jaeger-query in the frontend pod and by the managed Jaeger collector and storage.' })
    .prefault({ repository: 'jaegertracing/jaeger' }),
  etcd: imageRef.meta({ description: 'etcd image of the managed etcd StatefulSet.' }).prefault({ repository: 'quay.io/coreos/etcd' }),
  pullPolicy: z
    .enum(['Always', 'IfNotPresent', 'Never'])
    .default('IfNotPresent')
    .meta({ description: 'imagePullPolicy of every container the operator creates.' }),
  pullSecrets: z
    .array(objectName.meta({ description: 'Name of an image pull Secret.' }))
    .max(16)
    .meta({ description: 'Names of image pull Secrets in the instance namespace, added to every pod.' })
    .optional(),
});

export const clusterSpec = z
  .object({
    /** Appears in every span's cluster tag and in the audit webhook path /audit/<name>. */
    name: dnsLabel.meta({
      description: "Cluster name, a DNS label: it appears in every span's cluster tag and in the audit webhook path /audit/{name}.",
    }),
    kubeconfig: z
      .object({
        source: z
          .enum(['InCluster', 'Secret'])
          .default('InCluster')
          .meta({ description: "InCluster: the pods' own service account credentials; Secret: the kubeconfig in secretRef." }),
        secretRef: secretKeyRef('kubeconfig', 'Key of the Secret that holds the kubeconfig file.')
          .meta({ description: 'Secret holding a kubeconfig for this cluster, mounted into the Kelemetry pods; required when source is Secret.' })
          .optional(),
      })
      .meta(cel({ rule: "(self.source == 'Secret') == has(self.secretRef)", message: 'kubeconfig.secretRef is required when source is Secret and not allowed otherwise' }))
      .meta({ description: "How the Kelemetry processes authenticate to this cluster's apiserver." })
      .prefault({}),
    /** Overrides the apiserver URL found in the kubeconfig. */
    apiserver: z
      .string()
      .url()
      .max(512)
      .meta({ description: 'URL of the kube-apiserver, meant to override the one in the kubeconfig; this operator version does not pass it to the runtime yet.' })
      .optional(),
    /** After: diffs are indexed by the new resourceVersion; Before: by the old one (spec 7.4). */
    resourceVersionIndex: z
      .enum(['After', 'Before'])
      .default('After')
      .meta({
        description:
          'How diffs are matched to audit events: After by the new resourceVersion (needs RequestResponse audit level), Before by the old one (works with Metadata level).',
      }),
    audit: z
      .object({
        /** Whether this cluster's apiserver posts audit events to this instance's webhook. */
        enabled: z
          .boolean()
          .default(true)
          .meta({ description: "Whether this cluster's apiserver posts audit events to this instance; enabled clusters get a URL in status.auditWebhook." }),
        /** Source IPs of the apiservers, so posts to /audit (no cluster in the path) can be attributed. */
        sourceAddresses: z
          .array(z.string().max(64).meta({ description: "Source IP address of one of this cluster's apiservers." }))
          .max(32)
          .meta({ description: "Source IPs of this cluster's apiservers, so audit posts to /audit (no cluster in the path) are attributed to it." })
          .optional(),
      })
      .meta({ description: "How this cluster's audit events reach the consumer." })
      .prefault({}),
  })
  .meta({ description: 'A Kubernetes cluster this instance traces.' });

/**
 * Audit-derived metrics, field for field the runtime's `kelemetrix` section
 * (runtime/config/sections/kelemetrix.ts). Tag and quantifier names are enums, so the API server refuses
 * an unknown one naming the field; regular expressions are checked by the operator (CEL uses another dialect).
 */
const kelemetrixTag = z.enum(TAG_NAMES).meta({ description: 'A tag of an audit event.' });
const kelemetrixQuantifier = z.enum(QUANTIFIER_NAMES).meta({ description: 'A quantity measured from an audit event.' });

export const kelemetrixTagFilter = z
  .object({
    tag: kelemetrixTag.meta({ description: 'The tag the filter tests.' }),
    oneOf: z
      .array(z.string().max(1024).meta({ description: 'A value, or with isRegex an unanchored regular expression.' }))
      .min(1)
      .max(64)
      .meta({ description: 'Passes when the tag equals (with isRegex: contains a match of) any of these.' }),
    isRegex: z.boolean().default(false).meta({ description: 'The values of oneOf are unanchored regular expressions (JavaScript syntax).' }),
    negate: z.boolean().default(false).meta({ description: 'Passes when the tag matches none of oneOf instead.' }),
  })
  .superRefine((f, ctx) => {
    if (f.isRegex) checkRegexes(f.oneOf, ctx, ['oneOf']);
  })
  .meta({ description: 'Keeps only the audit events whose tag passes.' });

export const kelemetrixQuantityFilter = z
  .object({
    quantity: kelemetrixQuantifier.meta({ description: 'The quantity the filter compares.' }),
    operator: z.enum(['<', '>', '<=', '>=']).meta({ description: 'How the quantity is compared with threshold.' }),
    threshold: z.number().meta({ description: 'In the unit of the quantity: seconds for latencies, a plain ratio for request_latency_ratio.' }),
  })
  .meta({ description: 'Keeps only the audit events whose quantity passes the comparison; an event without that quantity fails.' });

export const kelemetrixMetric = z
  .object({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
      .meta({ description: 'Base name of the metric: series are {name}_count, {name}_histogram or {name}_summary.' }),
    help: z.string().max(1024).meta({ description: 'Help text of the metric.' }).optional(),
    quantifier: kelemetrixQuantifier.meta({
      description: `What the metric measures: ${QUANTIFIER_NAMES.join(', ')}.`,
    }),
    tags: z
      .array(kelemetrixTag)
      .max(TAG_NAMES.length)
      .default([])
      .meta({ 'x-kubernetes-list-type': 'set' })
      .meta({ description: `Labels of the metric, in this order; each one of ${TAG_NAMES.join(', ')}.` }),
    tagFilters: z.array(kelemetrixTagFilter).max(32).default([]).meta({ description: 'Tag filters; an event counts only when all pass.' }),
    quantityFilters: z.array(kelemetrixQuantityFilter).max(32).default([]).meta({ description: 'Quantity filters; an event counts only when all pass.' }),
  })
  // The API server refuses duplicates through the list types; these repeat that for synth.
  .superRefine((m, ctx) => {
    m.tags.forEach((t, i) => {
      if (m.tags.indexOf(t) !== i) ctx.addIssue({ code: 'custom', path: ['tags', i], message: `tag "${t}" is listed twice` });
    });
  })
  .meta({ description: 'One metric computed from every audit event the consumer accepts.' });

export const kelemetrixSpec = z
  .object({
    enabled: z.boolean().default(true).meta({ description: 'Compute and export the metrics (false keeps the definitions but exports nothing).' }),
    defaultRequestTimeout: duration
      .default('60s')
      .meta({ description: "The apiservers' --request-timeout, used by request_latency_ratio when a request has no timeoutSeconds." }),
    requestTimeouts: z
      .record(z.string().max(63), duration)
      .default({})
      .meta({ maxProperties: 32 })
      .meta({ description: 'Per-cluster override of defaultRequestTimeout, keyed by a cluster name from spec.clusters.' }),
    metrics: z
      .array(kelemetrixMetric)
      .max(64)
      .default([])
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .meta({ description: 'The metrics, keyed by name.' }),
  })
  .superRefine((k, ctx) => {
    k.metrics.forEach((m, i) => {
      if (k.metrics.findIndex((o) => o.name === m.name) !== i) ctx.addIssue({ code: 'custom', path: ['metrics', i, 'name'], message: `duplicate metric name "${m.name}"` });
    });
  })
  .meta({ description: 'Audit-derived metrics ("kelemetrix") the consumer exports on its metrics port; none when unset.' });

export const auditSpec = z
  .object({
    replicas: replicas(3).meta({ description: 'Replicas of the consumer Deployment (audit webhook and consumer); a PodDisruptionBudget is added above 1.' }),
    /** Consumer partitions (the original's source.webhook.workerCount). */
    workers: workers(8).meta({
      description: "Queue partitions, each with one consumer worker (the original's source.webhook.workerCount); events of one object stay in one partition, in order.",
    }),
    tls: z
      .object({
        enabled: z.boolean().default(false).meta({ description: 'Serve the audit webhook over HTTPS with the certificate in secretName.' }),
        /** A kubernetes.io/tls Secret (tls.crt, tls.key) for the webhook's serving certificate. */
        secretName: objectName
          .meta({ description: "kubernetes.io/tls Secret in the instance namespace with the webhook's serving certificate (keys tls.crt and tls.key)." })
          .optional(),
      })
      .meta(cel({ rule: '!self.enabled || has(self.secretName)', message: 'tls.secretName is required when tls.enabled is true' }))
      .meta({ description: 'HTTPS for the audit webhook.' })
      .prefault({}),
    auth: z
      .object({
        mode: z
          .enum(['None', 'Token', 'ClientCertificate'])
          .default('None')
          .meta({
            description:
              'How the webhook checks who posts: None accepts any caller; Token requires the bearer token in tokenSecretRef; ClientCertificate requires a client certificate signed by clientCaSecretRef (needs tls.enabled).',
          }),
        /** Bearer token the apiservers send (mode Token). */
        tokenSecretRef: secretKeyRef('token', 'Key of the Secret that holds the token.')
          .meta({ description: 'Secret holding the bearer token the apiservers send (mode Token).' })
          .optional(),
        /** CA that signs the apiservers' client certificates (mode ClientCertificate). */
        clientCaSecretRef: secretKeyRef('ca.crt', 'Key of the Secret that holds the PEM CA certificate.')
          .meta({ description: "Secret holding the CA certificate that signs the apiservers' client certificates (mode ClientCertificate)." })
          .optional(),
      })
      .meta(
        cel(
          { rule: "self.mode != 'Token' || has(self.tokenSecretRef)", message: 'auth.tokenSecretRef is required when auth.mode is Token' },
          { rule: "self.mode != 'ClientCertificate' || has(self.clientCaSecretRef)", message: 'auth.clientCaSecretRef is required when auth.mode is ClientCertificate' },
        ),
      )
      .meta({ description: 'How the audit webhook authenticates the apiservers that post to it.' })
      .prefault({}),
    /** Copies of every accepted audit batch are POSTed to these URLs. */
    forward: z
      .array(
        z
          .object({
            name: dnsLabel.meta({ description: 'Name of the target in metrics and logs; a DNS label.' }),
            url: z.string().url().max(512).meta({ description: 'http(s) URL each batch is POSTed to; :cluster in it is replaced by the cluster name.' }),
          })
          .meta({ description: 'One forward target.' }),
      )
      .max(16)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .meta({ description: 'Targets the consumer re-POSTs a copy of every accepted audit batch to, keyed by name.' })
      .optional(),
    kelemetrix: kelemetrixSpec.optional(),
    service: serviceOptions.meta({ description: 'The Service in front of the audit webhook (port 8080), which the apiservers post to.' }).prefault({}),
    pod: podOptions.meta({ description: 'Scheduling and resources of the consumer pods.' }).prefault({}),
  })
  .meta(cel({ rule: "self.auth.mode != 'ClientCertificate' || self.tls.enabled", message: 'auth.mode ClientCertificate needs tls.enabled' }))
  .meta({ description: 'The consumer Deployment: the audit webhook that receives kube-apiserver audit events and writes them as spans.' });

export const informersSpec = z
  .object({
    replicas: replicas(3).meta({ description: 'Replicas of the informers Deployment; 0 runs no diff or event controller.' }),
    diff: z
      .object({
        enabled: z.boolean().default(true).meta({ description: 'Run the diff controller in the informers and attach diffs to audit spans in the consumer.' }),
        /** Replicas that watch at once (the original's diff.leaders); one of them writes. */
        leaders: z
          .number()
          .int()
          .min(1)
          .max(16)
          .default(2)
          .meta({ description: "Informers replicas that watch at once (the original's diff.leaders); one writes, the others take over if it fails." }),
        workers: workers(8).meta({ description: 'Workers per informers replica that write diffs and snapshots to the diff cache.' }),
        /** Objects whose key matches this regular expression keep no diff content. */
        redactPattern: z
          .string()
          .max(1024)
          .meta({ description: 'Regular expression on group/version/resource/namespace/name; matching objects keep no diff content.' })
          .optional(),
        storeTimeout: duration.default('10s').meta({ description: 'How long one write to the diff cache may take before it fails (e.g. 10s).' }),
        patchTtl: duration.default('1h').meta({ description: 'How long a diff is kept in the diff cache (e.g. 1h).' }),
        snapshotTtl: duration.default('1h').meta({ description: 'How long creation and deletion snapshots of objects are kept in the diff cache (e.g. 1h).' }),
      })
      .meta({ description: 'The diff controller: watches objects of every kind in currentCluster and stores each change in the diff cache.' })
      .prefault({}),
    event: z
      .object({
        enabled: z.boolean().default(true).meta({ description: 'Run the event controller in the informers.' }),
        workers: workers(8).meta({ description: 'Workers that turn Events into spans.' }),
        /** How often the controller records the last event it handled. */
        syncInterval: duration
          .default('5s')
          .meta({ description: 'How often the event controller saves the last Event it handled to its state ConfigMap, where a restart resumes (e.g. 5s).' }),
      })
      .meta({ description: 'The event controller: turns Events in currentCluster into event spans; one informers replica runs it at a time.' })
      .prefault({}),
    pod: podOptions.meta({ description: 'Scheduling and resources of the informers pods.' }).prefault({}),
  })
  .meta(cel({ rule: '!self.diff.enabled || self.replicas == 0 || self.diff.leaders <= self.replicas', message: 'diff.leaders cannot exceed replicas' }))
  .meta({ description: 'The informers Deployment: watches currentCluster for object changes (diffs) and Events.' });

const cacheSpec = (prefix: string) =>
  z.object({
    backend: z
      .enum(['etcd', 'redis', 'memory'])
      .default('etcd')
      .meta({ description: 'Store that holds the cache: etcd (storage.etcd), redis (storage.redis) or memory (one process only; use with a single replica).' }),
    /** Key prefix; instances sharing a store and this prefix share the cache (multi-cluster). */
    prefix: z
      .string()
      .min(1)
      .max(128)
      .default(prefix)
      .meta({ description: 'Key prefix in the store; instances that share a store and this prefix share the cache (multi-cluster).' }),
  });

export const storageSpec = z
  .object({
    etcd: z
      .object({
        managed: z
          .object({
            replicas: z.number().int().min(1).max(7).default(3).meta({ description: 'Number of etcd members; 3 tolerates the loss of one.' }),
            storage: persistence.meta({ description: 'Volume of each etcd member.' }).prefault({}),
            pod: podOptions.meta({ description: 'Scheduling and resources of the etcd pods.' }).prefault({}),
          })
          .meta({ description: 'An etcd StatefulSet the operator runs in the instance namespace, deployed only while a cache uses backend etcd.' })
          .optional(),
        external: z
          .object({
            endpoints: z
              .array(z.string().url().max(512).meta({ description: 'Client URL of one etcd member.' }))
              .min(1)
              .max(16)
              .meta({ description: 'Client URLs of the etcd members, e.g. https://etcd-0.example.com:2379.' }),
            /** Secret with ca.crt, tls.crt and tls.key: mutual TLS to etcd. */
            tlsSecretRef: secretRef.meta({ description: 'Secret with keys ca.crt, tls.crt and tls.key, for mutual TLS to etcd.' }).optional(),
            username: z.string().max(253).meta({ description: 'etcd user name; its password comes from passwordSecretRef.' }).optional(),
            passwordSecretRef: secretKeyRef('password', 'Key of the Secret that holds the password.')
              .meta({ description: "Secret holding the etcd user's password, passed to the Kelemetry pods as an environment variable." })
              .optional(),
          })
          .meta({ description: 'An etcd cluster you run, which the Kelemetry pods connect to directly.' })
          .optional(),
      })
      .meta(cel({ rule: 'has(self.managed) != has(self.external)', message: 'storage.etcd: set exactly one of managed or external' }))
      .meta({ description: 'etcd for the caches with backend etcd: set exactly one of managed or external (default: managed).' })
      // Managed by default; it is only deployed while some cache uses etcd.
      .prefault({ managed: {} }),
    redis: z
      .object({
        external: z
          .object({
            url: z
              .string()
              .max(512)
              .regex(/^rediss?:\/\//)
              .meta({ description: 'redis:// or rediss:// (TLS) URL of the server, e.g. redis://redis.example.com:6379/0.' }),
            /** Secret with ca.crt to verify the server (use a rediss:// URL). */
            tlsSecretRef: secretRef.meta({ description: "Secret with key ca.crt, to verify the server's certificate (use a rediss:// URL)." }).optional(),
            passwordSecretRef: secretKeyRef('password', 'Key of the Secret that holds the password.')
              .meta({ description: 'Secret holding the Redis password, passed to the Kelemetry pods as an environment variable.' })
              .optional(),
          })
          .meta({ description: 'A Redis server you run.' }),
      })
      .meta({ description: 'Redis for the caches with backend redis; required when a cache uses it.' })
      .optional(),
    caches: z
      .object({
        span: cacheSpec('/span/')
          .meta({ description: 'Span cache: object span contexts shared by the consumer and informers replicas, so their spans join one trace.' })
          .prefault({}),
        diff: cacheSpec('/diff/').meta({ description: 'Diff cache: diffs written by the informers and read by the consumer.' }).prefault({}),
        trace: cacheSpec('/trace/')
          .meta({ description: 'Trace cache: the trace IDs the frontend hands out; frontend replicas must share it to open each other\'s IDs.' })
          .prefault({}),
      })
      .meta({ description: 'Which store holds each cache, and its key prefix.' })
      .prefault({}),
    jaeger: z
      .object({
        managed: z
          .object({
            collectorReplicas: replicas(1).meta({ description: 'Replicas of the Jaeger collector Deployment, which receives spans over OTLP.' }),
            storage: persistence.meta({ description: 'Volume of the Jaeger storage pod (Badger data).' }).prefault({}),
            collectorPod: podOptions.meta({ description: 'Scheduling and resources of the Jaeger collector pods.' }).prefault({}),
            storagePod: podOptions.meta({ description: 'Scheduling and resources of the Jaeger storage pod.' }).prefault({}),
          })
          .meta({ description: 'A Jaeger collector Deployment and a one-replica Jaeger storage StatefulSet (Badger on disk) the operator runs.' })
          .optional(),
        external: z
          .object({
            /** OTLP/gRPC endpoint spans are written to, host:port. */
            otlpEndpoint: z
              .string()
              .min(1)
              .max(512)
              .meta({ description: 'OTLP/gRPC endpoint the consumer and informers write spans to, host:port.' }),
            /** jaeger.storage.v2 remote-storage endpoint raw traces are read from, host:port. */
            remoteStorageEndpoint: z
              .string()
              .min(1)
              .max(512)
              .meta({ description: 'jaeger.storage.v2 remote-storage endpoint the frontend reads raw traces from, host:port.' }),
            insecure: z.boolean().default(true).meta({ description: 'Send spans to otlpEndpoint without TLS.' }),
          })
          .meta({ description: 'A Jaeger deployment you run.' })
          .optional(),
      })
      .meta(cel({ rule: 'has(self.managed) != has(self.external)', message: 'storage.jaeger: set exactly one of managed or external' }))
      .meta({ description: 'Where spans are stored: set exactly one of managed or external (default: managed).' })
      .prefault({ managed: {} }),
  })
  .meta(
    cel(
      {
        rule: "has(self.redis) || (self.caches.span.backend != 'redis' && self.caches.diff.backend != 'redis' && self.caches.trace.backend != 'redis')",
        message: 'a cache uses backend redis, so storage.redis.external is required',
      },
    ),
  )
  .meta({ description: 'Stores: etcd and Redis for the caches, and Jaeger for spans.' });

export const frontendSpec = z
  .object({
    replicas: replicas(3).meta({ description: 'Replicas of the frontend Deployment.' }),
    /** The display-mode (transform) configuration file, from a ConfigMap; the built-in one when absent. */
    displayModes: z
      .object({
        configMapRef: z
          .object({
            name: objectName.meta({ description: 'ConfigMap in the instance namespace.' }),
            key: z.string().min(1).max(253).default('tfconfig.yaml').meta({ description: 'Key of the ConfigMap that holds the display-mode YAML file.' }),
          })
          .meta({ description: 'ConfigMap holding the display-mode file, mounted into the frontend pods.' })
          .optional(),
      })
      .meta({ description: 'The display-mode (trace transform) configuration of the storage plugin; the built-in one when configMapRef is absent.' })
      .prefault({}),
    service: serviceOptions.meta({ description: 'The query Service: the Jaeger UI on port 16686 and the plugin HTTP endpoints on port 8081.' }).prefault({}),
    pod: podOptions
      .meta({ description: 'Scheduling of the frontend pods, and resources of their Kelemetry storage-plugin container.' })
      .prefault({}),
    /** Resources of the Jaeger query container in the same pod. */
    queryResources: resourceRequirements.meta({ description: 'Resources of the Jaeger query container in the frontend pods.' }).optional(),
  })
  .meta({ description: 'The frontend Deployment: Jaeger query (the UI) with the Kelemetry storage plugin, which assembles the traces it shows.' });

export const kelemetryInstanceSpec = z
  .object({
    /** One field drives every image and flag; changing it is an upgrade, rolled in order. */
    version: z
      .string()
      .max(64)
      .regex(/^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/)
      .meta({
        description:
          'Kelemetry version (e.g. 0.1.0), which picks the default tag of every image; changing it is an upgrade, rolled out stores first, then informers and consumer, then frontend.',
      }),
    /** Unmanaged: the operator leaves every object alone and only reports status. */
    managementState: z
      .enum(['Managed', 'Unmanaged'])
      .default('Managed')
      .meta({ description: 'Managed: the operator creates and updates every object; Unmanaged: it leaves them alone and only reports status.' }),
    images: imagesSpec.meta({ description: 'Container images and how they are pulled.' }).prefault({}),
    clusters: z
      .array(clusterSpec)
      .min(1)
      .max(32)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .meta({ description: 'The clusters this instance knows, keyed by name; each posts its audit events to /audit/{name}.' }),
    /** The cluster this instance runs in (its informers watch it); defaults to the first cluster. */
    currentCluster: dnsLabel
      .meta({ description: 'The cluster this instance runs in, which its informers watch; one of clusters, the first one when unset.' })
      .optional(),
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
      {
        rule: '!has(self.audit.kelemetrix) || !has(self.audit.kelemetrix.requestTimeouts) || self.audit.kelemetrix.requestTimeouts.all(k, self.clusters.exists(c, c.name == k))',
        message: 'audit.kelemetrix.requestTimeouts: every key must name one of spec.clusters',
      },
    ),
  )
  .meta({ description: 'Desired state of one Kelemetry installation in the instance namespace.' });

export const condition = z
  .object({
    type: z.string().min(1).max(316).meta({ description: 'Ready, Progressing, Degraded, or {Component}Ready (e.g. ConsumerReady).' }),
    status: z.enum(['True', 'False', 'Unknown']).meta({ description: 'True, False or Unknown.' }),
    reason: z.string().max(1024).meta({ description: 'Why the condition has this status, in CamelCase (e.g. ComponentsNotReady).' }),
    message: z.string().max(32768).meta({ description: 'Details for humans.' }),
    lastTransitionTime: z.string().meta({ description: 'When status last changed (RFC 3339).' }),
    observedGeneration: z.number().int().meta({ description: 'The metadata.generation the condition was computed from.' }).optional(),
  })
  .meta({ description: 'A status condition.' });

export const componentStatus = z
  .object({
    name: z.string().meta({ description: 'Component: etcd, jaeger-storage, jaeger-collector, informers, consumer or frontend.' }),
    kind: z.string().meta({ description: 'Deployment or StatefulSet.' }),
    replicas: z.number().int().meta({ description: 'Replicas the workload asks for.' }),
    readyReplicas: z.number().int().meta({ description: 'Replicas that are ready.' }),
    updatedReplicas: z.number().int().meta({ description: 'Replicas that run the current pod template.' }),
    version: z.string().meta({ description: 'Kelemetry version the live workload is rendered at.' }).optional(),
    ready: z.boolean().meta({ description: 'Every replica updated, ready and observed by its controller.' }),
  })
  .meta({ description: 'The observed state of one workload.' });

export const kelemetryInstanceStatus = z
  .object({
    observedGeneration: z.number().int().meta({ description: 'The metadata.generation this status was computed from.' }).optional(),
    conditions: z
      .array(condition)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .meta({ description: 'Ready, Progressing and Degraded, plus one {Component}Ready condition per workload.' })
      .optional(),
    /** The version every component runs; set once a rollout finishes. */
    currentVersion: z.string().meta({ description: 'The version every component runs; set once a rollout finishes.' }).optional(),
    desiredVersion: z.string().meta({ description: 'spec.version, the version the operator rolls towards.' }).optional(),
    rollout: z
      .object({
        phase: z
          .enum(['Idle', 'Stores', 'Workers', 'Frontend'])
          .meta({ description: 'Idle, or the group being upgraded: Stores (etcd, Jaeger), then Workers (informers, consumer), then Frontend.' }),
        message: z.string().meta({ description: 'What the rollout waits for.' }).optional(),
      })
      .meta({ description: 'Progress of a version change.' })
      .optional(),
    components: z
      .array(componentStatus)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .meta({ description: 'The workloads the operator manages, keyed by name.' })
      .optional(),
    clusterCount: z.number().int().meta({ description: 'Number of entries in spec.clusters.' }).optional(),
    /** What to put in each cluster's kube-apiserver --audit-webhook-config-file. */
    auditWebhook: z
      .object({
        service: z.string().meta({ description: 'host:port of the audit webhook Service.' }),
        clusters: z
          .array(
            z
              .object({
                name: z.string().meta({ description: 'Cluster name from spec.clusters.' }),
                url: z.string().meta({ description: 'Webhook URL for that cluster, ending in /audit/{name}.' }),
              })
              .meta({ description: 'The webhook URL of one cluster.' }),
          )
          .meta({ description: 'One webhook URL per cluster with audit.enabled.' }),
      })
      .meta({ description: "What to put in each cluster's kube-apiserver --audit-webhook-config-file." })
      .optional(),
  })
  .meta({ description: 'Observed state, written by the operator.' });

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
  for (const k of Object.keys(audit.kelemetrix?.requestTimeouts ?? {})) {
    if (!names.includes(k)) issues.push(`spec.audit.kelemetrix.requestTimeouts.${k}: every key must name one of spec.clusters`);
  }
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
