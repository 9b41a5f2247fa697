/** How one component's pods are scheduled and sized, its volumes, and the Service in front of it. */
import { z } from 'zod';
import { brokenAt, cel } from '../cel.ts';
import { intOrString, objectName, quantity, stringMap } from './common.ts';

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

const toleration = z.object({
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

/** A component's default requests (cpu, memory) and memory limit. */
export interface ResourceDefaults {
  cpu: string;
  memory: string;
  memoryLimit: string;
}

/** Resource requirements whose maps default to a component's sizing; setting a map replaces its defaults. */
export function resourcesWithDefaults(d: ResourceDefaults) {
  return z.object({
    requests: resourceRequirements.shape.requests
      .unwrap()
      .default({ cpu: d.cpu, memory: d.memory })
      .meta({ description: `Resources reserved for the container (default cpu ${d.cpu}, memory ${d.memory}); setting it replaces the defaults.` }),
    limits: resourceRequirements.shape.limits
      .unwrap()
      .default({ memory: d.memoryLimit })
      .meta({ description: `The most the container may use (default memory ${d.memoryLimit}; above it the container is killed); {} for none.` }),
  });
}

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

/** podOptions with the component's default requests and limits. */
export function podOptionsFor(d: ResourceDefaults) {
  return podOptions.extend({
    resources: resourcesWithDefaults(d)
      .meta({ description: "CPU and memory requests and limits of the component's container (core/v1 ResourceRequirements)." })
      .prefault({}),
  });
}

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

const NODE_PORT_NEEDS_TYPE = { rule: "!has(self.nodePort) || self.type != 'ClusterIP'", message: 'nodePort needs type NodePort or LoadBalancer' };

export const serviceOptions = z
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
  .meta(cel(NODE_PORT_NEEDS_TYPE));

/** The rule of serviceOptions, in TypeScript; `path` is where the options sit in the spec. */
export function serviceIssues(service: z.output<typeof serviceOptions>, path: string): string[] {
  return brokenAt(service.nodePort !== undefined && service.type === 'ClusterIP', path, NODE_PORT_NEEDS_TYPE.message);
}

export type PodOptions = z.output<typeof podOptions>;
export type Persistence = z.output<typeof persistence>;
