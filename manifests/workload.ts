/** Pod-level building blocks shared by every component: images, scheduling, probes, security. */
import type { KelemetryInstance, PodOptions } from '../api/types.ts';
import type { ComponentId } from './naming.ts';
import { imagesForVersion } from './versions.ts';

export type Obj = Record<string, unknown>;

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

/** Drops undefined and empty values so live objects (where the server omits empties) compare equal. */
export function compact<T extends Obj>(obj: T): T {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out as T;
}

export function resources(r: PodOptions['resources']): Obj | undefined {
  if (!r) return undefined;
  const out = compact({ requests: r.requests, limits: r.limits });
  return Object.keys(out).length ? out : undefined;
}

/** Scheduling fields of a pod spec from the component's options. */
export function scheduling(inst: KelemetryInstance, pod: PodOptions): Obj {
  return compact({
    nodeSelector: pod.nodeSelector,
    tolerations: pod.tolerations,
    affinity: pod.affinity,
    imagePullSecrets: inst.spec.images.pullSecrets?.map((name) => ({ name })),
  });
}

export const restrictedContainer: Obj = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

export function nonRootPod(uid: number): Obj {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } };
}

export function httpProbe(path: string, port: string, periodSeconds = 10): Obj {
  return { httpGet: { path, port }, periodSeconds, timeoutSeconds: 2, failureThreshold: 3 };
}

export const podIdentityEnv: Obj[] = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
];

/** A component as rendered: what the status computation looks for among live objects. */
export interface RenderedComponent {
  id: ComponentId;
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  replicas: number;
  version: string;
}
