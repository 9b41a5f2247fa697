/** Stores: etcd and Redis for the caches, Jaeger for spans; each run by the operator or by you. */
import { z } from 'zod';
import { REDIS_URL, cacheBackend } from '../../runtime/config/common.ts';
import { brokenAt, cel } from '../cel.ts';
import { replicas, secretKeyRef, secretRef } from './common.ts';
import { persistence, podOptionsFor } from './pod.ts';
import { RESOURCE_DEFAULTS } from './resourceDefaults.ts';

const EXACTLY_ONE = { rule: 'has(self.managed) != has(self.external)', message: 'set exactly one of managed or external' };
/** EXACTLY_ONE on storage.<store>; the message names the store. */
const exactlyOne = (store: string) => cel({ ...EXACTLY_ONE, message: `storage.${store}: ${EXACTLY_ONE.message}` });
/**
 * Transition rules (oldSelf): what a running store cannot take in place. etcd members are listed in
 * every member's --initial-cluster, and a StatefulSet's volume claims never change after creation.
 * They have no TypeScript twin: `kelemetry synth` sees no previous object.
 */
const ETCD_REPLICAS_FIXED = {
  rule: 'self.replicas == oldSelf.replicas',
  message: 'storage.etcd.managed.replicas cannot change after creation: the members form one cluster; create a new instance to resize it',
};
const storageFixed = (store: string) => ({
  rule: 'self.storage == oldSelf.storage',
  message: `storage.${store}.managed.storage cannot change after creation (StatefulSet volume claims are immutable); resize the PersistentVolumeClaims by hand or create a new instance`,
});

const REDIS_WHEN_USED = {
  rule: "has(self.redis) || (self.caches.span.backend != 'redis' && self.caches.diff.backend != 'redis' && self.caches.trace.backend != 'redis')",
  message: 'a cache uses backend redis, so storage.redis.external is required',
};

const etcdSpec = z
  .object({
    managed: z
      .object({
        replicas: z.number().int().min(1).max(7).default(3).meta({ description: 'Number of etcd members; 3 tolerates the loss of one.' }),
        storage: persistence.meta({ description: 'Volume of each etcd member.' }).prefault({}),
        pod: podOptionsFor(RESOURCE_DEFAULTS.etcd).meta({ description: 'Scheduling and resources of the etcd pods.' }).prefault({}),
      })
      .meta(cel(ETCD_REPLICAS_FIXED, storageFixed('etcd')))
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
  .meta(exactlyOne('etcd'));

const redisSpec = z.object({
  external: z
    .object({
      url: z
        .string()
        .max(512)
        .regex(REDIS_URL)
        .meta({ description: 'redis:// or rediss:// (TLS) URL of the server, e.g. redis://redis.example.com:6379/0.' }),
      /** Secret with ca.crt to verify the server (use a rediss:// URL). */
      tlsSecretRef: secretRef.meta({ description: "Secret with key ca.crt, to verify the server's certificate (use a rediss:// URL)." }).optional(),
      passwordSecretRef: secretKeyRef('password', 'Key of the Secret that holds the password.')
        .meta({ description: 'Secret holding the Redis password, passed to the Kelemetry pods as an environment variable.' })
        .optional(),
    })
    .meta({ description: 'A Redis server you run.' }),
});

const cacheSpec = (prefix: string) =>
  z.object({
    backend: cacheBackend
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

const cachesSpec = z.object({
  span: cacheSpec('/span/')
    .meta({ description: 'Span cache: object span contexts shared by the consumer and informers replicas, so their spans join one trace.' })
    .prefault({}),
  diff: cacheSpec('/diff/').meta({ description: 'Diff cache: diffs written by the informers and read by the consumer.' }).prefault({}),
  trace: cacheSpec('/trace/')
    .meta({ description: 'Trace cache: the trace IDs the frontend hands out; frontend replicas must share it to open each other\'s IDs.' })
    .prefault({}),
});

const jaegerSpec = z
  .object({
    managed: z
      .object({
        collectorReplicas: replicas(1).meta({ description: 'Replicas of the Jaeger collector Deployment, which receives spans over OTLP.' }),
        storage: persistence.meta({ description: 'Volume of the Jaeger storage pod (Badger data).' }).prefault({}),
        collectorPod: podOptionsFor(RESOURCE_DEFAULTS.jaegerCollector).meta({ description: 'Scheduling and resources of the Jaeger collector pods.' }).prefault({}),
        storagePod: podOptionsFor(RESOURCE_DEFAULTS.jaegerStorage).meta({ description: 'Scheduling and resources of the Jaeger storage pod.' }).prefault({}),
      })
      .meta(cel(storageFixed('jaeger')))
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
  .meta(exactlyOne('jaeger'));

export const storageSpec = z
  .object({
    etcd: etcdSpec
      .meta({ description: 'etcd for the caches with backend etcd: set exactly one of managed or external (default: managed).' })
      // Managed by default; it is only deployed while some cache uses etcd.
      .prefault({ managed: {} }),
    redis: redisSpec.meta({ description: 'Redis for the caches with backend redis; required when a cache uses it.' }).optional(),
    caches: cachesSpec.meta({ description: 'Which store holds each cache, and its key prefix.' }).prefault({}),
    jaeger: jaegerSpec.meta({ description: 'Where spans are stored: set exactly one of managed or external (default: managed).' }).prefault({ managed: {} }),
  })
  .meta(cel(REDIS_WHEN_USED))
  .meta({ description: 'Stores: etcd and Redis for the caches, and Jaeger for spans.' });

/** The CEL rules above, in TypeScript. */
export function storageIssues(storage: z.output<typeof storageSpec>): string[] {
  const { etcd, jaeger, caches } = storage;
  const backends = [caches.span.backend, caches.diff.backend, caches.trace.backend];
  return [
    ...brokenAt((etcd.managed !== undefined) === (etcd.external !== undefined), 'spec.storage.etcd', EXACTLY_ONE.message),
    ...brokenAt((jaeger.managed !== undefined) === (jaeger.external !== undefined), 'spec.storage.jaeger', EXACTLY_ONE.message),
    ...brokenAt(backends.includes('redis') && !storage.redis, 'spec.storage', REDIS_WHEN_USED.message),
  ];
}
