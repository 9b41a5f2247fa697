/**
 * Pod-level building blocks shared by every component, as typed core/v1 values: images, scheduling,
 * probes, security, storage.
 */
import { k8s } from 'cdk8s-plus-33';
import type { KelemetryInstance, Persistence, PodOptions } from '../api/types.ts';
import type { ComponentId } from './naming.ts';
import { imagesForVersion } from './versions.ts';

/** The Kelemetry image (consumer, informers, frontend, operator) runs as this user. */
export const KELEMETRY_UID = 1000;
/** The Jaeger image's own non-root user. */
export const JAEGER_UID = 10001;
/**
 * The managed etcd runs as this user whatever its image says (upstream's runs as root): the static
 * etcd binary needs no home, and fsGroup makes the data volume writable.
 */
export const ETCD_UID = 65532;

export function kelemetryImage(inst: KelemetryInstance, version: string): string {
  const img = inst.spec.images.kelemetry;
  return `${img.repository}:${img.tag ?? version}`;
}

export function jaegerImage(inst: KelemetryInstance, version: string): string {
  const img = inst.spec.images.jaeger;
  return `${img.repository}:${img.tag ?? imagesForVersion(version).jaeger}`;
}

export function etcdImage(inst: KelemetryInstance, version: string): string {
  const img = inst.spec.images.etcd;
  return `${img.repository}:${img.tag ?? imagesForVersion(version).etcd}`;
}

/** undefined for an empty list or map: the server omits empties, so live objects compare equal. */
export function nonEmpty<T extends object>(value: T | undefined): T | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value.length : Object.keys(value).length) ? value : undefined;
}

function quantities(values: Record<string, string | number> | undefined): Record<string, k8s.Quantity> | undefined {
  const entries = Object.entries(values ?? {});
  if (!entries.length) return undefined;
  return Object.fromEntries(entries.map(([k, v]) => [k, typeof v === 'number' ? k8s.Quantity.fromNumber(v) : k8s.Quantity.fromString(v)]));
}

export function resources(r: PodOptions['resources']): k8s.ResourceRequirements | undefined {
  const requests = quantities(r?.requests);
  const limits = quantities(r?.limits);
  return requests || limits ? { requests, limits } : undefined;
}

/** Scheduling fields of a pod spec from the component's options. */
export function scheduling(inst: KelemetryInstance, pod: PodOptions): Pick<k8s.PodSpec, 'nodeSelector' | 'tolerations' | 'affinity' | 'imagePullSecrets'> {
  return {
    nodeSelector: nonEmpty(pod.nodeSelector),
    tolerations: nonEmpty(pod.tolerations),
    // The CRD keeps affinity schemaless (a core/v1 Affinity); the typed serialiser writes its core/v1 fields.
    affinity: nonEmpty(pod.affinity) as k8s.Affinity | undefined,
    imagePullSecrets: nonEmpty(inst.spec.images.pullSecrets?.map((name) => ({ name }))),
  };
}

export const restrictedContainer: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

export function nonRootPod(uid: number): k8s.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } };
}

/**
 * Spreads a component's pods over nodes (preferred, so a one-node cluster still schedules them), unless
 * the spec sets an affinity of its own.
 */
export function spreadOverNodes(matchLabels: Record<string, string>): k8s.Affinity {
  const term = { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels } } };
  return { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [term] } };
}

/** A probe of an HTTP path on a named container port. */
export function httpProbe(path: string, port: string, periodSeconds = 10): k8s.Probe {
  return { httpGet: { path, port: k8s.IntOrString.fromString(port) }, periodSeconds, timeoutSeconds: 2, failureThreshold: 3 };
}

/** Container port names that serve Prometheus metrics: Kelemetry and etcd, and the Jaeger processes. */
export const METRICS_PORT = 'metrics';
export const JAEGER_METRICS_PORT = 'jaeger-metrics';

export function containerPort(name: string, port: number): k8s.ContainerPort {
  return { name, containerPort: port, protocol: 'TCP' };
}

export const podIdentityEnv: k8s.EnvVar[] = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
];

/** A store's data volume: an emptyDir when ephemeral, else a claim template of the StatefulSet. */
export function storageVolume(persistence: Persistence, name: string): { volumes: k8s.Volume[]; claimTemplates: k8s.KubePersistentVolumeClaimProps[] } {
  if (persistence.ephemeral) return { volumes: [{ name, emptyDir: {} }], claimTemplates: [] };
  const spec: k8s.PersistentVolumeClaimSpec = {
    accessModes: ['ReadWriteOnce'],
    storageClassName: persistence.storageClassName,
    resources: { requests: { storage: k8s.Quantity.fromString(persistence.size) } },
  };
  return { volumes: [], claimTemplates: [{ metadata: { name }, spec }] };
}

/** A component as rendered: what the status computation looks for among live objects. */
export interface RenderedComponent {
  id: ComponentId;
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  replicas: number;
  version: string;
}
