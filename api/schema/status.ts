/** Observed state, written by the operator: conditions, rollout progress, components, audit webhook URLs. */
import { z } from 'zod';

const condition = z
  .object({
    type: z.string().min(1).max(316).meta({ description: 'Ready, Progressing, Degraded, or {Component}Ready (e.g. ConsumerReady).' }),
    status: z.enum(['True', 'False', 'Unknown']).meta({ description: 'True, False or Unknown.' }),
    reason: z.string().max(1024).meta({ description: 'Why the condition has this status, in CamelCase (e.g. ComponentsNotReady).' }),
    message: z.string().max(32768).meta({ description: 'Details for humans.' }),
    lastTransitionTime: z.string().meta({ description: 'When status last changed (RFC 3339).' }),
    observedGeneration: z.number().int().meta({ description: 'The metadata.generation the condition was computed from.' }).optional(),
  })
  .meta({ description: 'A status condition.' });

const componentStatus = z
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
        service: z.string().meta({ description: 'host:port of the audit webhook Service, as pods resolve it.' }),
        address: z
          .string()
          .meta({
            description:
              "host:port the API server itself can reach (it does not resolve .svc names): the load balancer's address, else the Service's ClusterIP; the cluster URLs use it.",
          })
          .optional(),
        clusters: z
          .array(
            z
              .object({
                name: z.string().meta({ description: 'Cluster name from spec.clusters.' }),
                url: z.string().meta({ description: 'Webhook URL for that cluster (at address), ending in /audit/{name}.' }),
              })
              .meta({ description: 'The webhook URL of one cluster.' }),
          )
          .meta({ description: 'One webhook URL per cluster with audit.enabled.' }),
        tokenSecretRef: z
          .object({
            name: z.string().meta({ description: 'Secret in the instance namespace.' }),
            key: z.string().meta({ description: 'Key of the token in the Secret.' }),
          })
          .meta({ description: 'The bearer token the apiservers must send (audit.auth.mode Token), for their webhook kubeconfig.' })
          .optional(),
      })
      .meta({ description: "What to put in each cluster's kube-apiserver --audit-webhook-config-file." })
      .optional(),
  })
  .meta({ description: 'Observed state, written by the operator.' });

export type KelemetryInstanceStatus = z.output<typeof kelemetryInstanceStatus>;
export type Condition = z.output<typeof condition>;
export type ComponentStatus = z.output<typeof componentStatus>;
