/**
 * The pod of a Kelemetry role (consumer, informers, frontend): one `kelemetry run` container reading
 * its role's runtime config, with the files every role needs (cluster kubeconfigs, store TLS and
 * passwords) and those a role adds (webhook certificates, display modes).
 */
import type { k8s } from 'cdk8s-plus-33';
import type { PodOptions } from '../../api/types.ts';
import { PATHS, PORTS } from '../ports.ts';
import { managedEtcdTls, managedJaegerTls, usesBackend, type Role } from '../runtimeConfig.ts';
import { KELEMETRY_UID, containerPort, httpProbe, kelemetryImage, nonRootPod, podIdentityEnv, resources, restrictedContainer } from '../workload.ts';
import type { InstanceContext } from './context.ts';

/** Seconds the consumer keeps serving after SIGTERM (well inside the default 30 s grace period with its 15 s stop). */
const CONSUMER_SHUTDOWN_DELAY_S = 5;

interface SecretKeyRef {
  name: string;
  key: string;
}

/** Volumes, their mounts and the environment of one Kelemetry container. */
export class KelemetryFiles {
  readonly volumes: k8s.Volume[];
  readonly mounts: k8s.VolumeMount[];
  readonly env: k8s.EnvVar[] = [...podIdentityEnv];

  constructor(configMap: string) {
    // The root filesystem is read-only; tsx keeps its transform cache in /tmp.
    this.volumes = [{ name: 'config', configMap: { name: configMap } }, { name: 'tmp', emptyDir: {} }];
    this.mounts = [{ name: 'config', mountPath: PATHS.config, readOnly: true }, { name: 'tmp', mountPath: '/tmp' }];
  }

  /** Mounts a volume read-only at mountPath. */
  mount(volume: k8s.Volume, mountPath: string): void {
    this.volumes.push(volume);
    this.mounts.push({ name: volume.name, mountPath, readOnly: true });
  }

  /** Mounts one key of a Secret as a file of the same name in mountPath. */
  mountSecretKey(name: string, ref: SecretKeyRef, mountPath: string): void {
    this.mount({ name, secret: { secretName: ref.name, items: [{ key: ref.key, path: ref.key }] } }, mountPath);
  }

}

/** The files every role needs: config, cluster kubeconfigs, store TLS and passwords. */
export function kelemetryFiles(ctx: InstanceContext): KelemetryFiles {
  const { spec } = ctx.inst;
  const files = new KelemetryFiles(ctx.name('config'));
  for (const cluster of spec.clusters) {
    const secret = cluster.kubeconfig.secretRef;
    if (cluster.kubeconfig.source === 'Secret' && secret) files.mountSecretKey(`cluster-${cluster.name}`, secret, `${PATHS.clusters}/${cluster.name}`);
  }
  const stores = [
    { backend: 'etcd', external: spec.storage.etcd.external, volume: 'etcd-tls', path: PATHS.etcdTls, passwordPath: PATHS.etcdPassword },
    { backend: 'redis', external: spec.storage.redis?.external, volume: 'redis-tls', path: PATHS.redisTls, passwordPath: PATHS.redisPassword },
  ] as const;
  const managedEtcd = managedEtcdTls(ctx.inst);
  if (managedEtcd && usesBackend(ctx.inst, 'etcd')) {
    files.mount({ name: 'etcd-tls', secret: { secretName: managedEtcd.clientSecret } }, PATHS.etcdTls);
  }
  const managedJaeger = managedJaegerTls(ctx.inst);
  if (managedJaeger) {
    // Every role exports spans to the collector; the frontend also reads storage. Both certificates come
    // from the instance CA, so its ca.crt from either Secret verifies both (and the key stays out of the pod).
    files.mountSecretKey('jaeger-ca', { name: managedJaeger.collectorSecret, key: 'ca.crt' }, PATHS.jaegerCa);
  }
  for (const store of stores) {
    if (!store.external || !usesBackend(ctx.inst, store.backend)) continue;
    if (store.external.tlsSecretRef) files.mount({ name: store.volume, secret: { secretName: store.external.tlsSecretRef.name } }, store.path);
    // A file, not an environment variable: it does not show in `kubectl describe pod` or /proc/<pid>/environ.
    if (store.external.passwordSecretRef) files.mountSecretKey(`${store.backend}-password`, store.external.passwordSecretRef, store.passwordPath);
  }
  return files;
}

export function kelemetryContainer(ctx: InstanceContext, role: Role, pod: PodOptions, files: KelemetryFiles, ports: k8s.ContainerPort[]): k8s.Container {
  return {
    name: 'kelemetry',
    image: kelemetryImage(ctx.inst, ctx.version(role)),
    imagePullPolicy: ctx.inst.spec.images.pullPolicy,
    // The consumer keeps answering the API server for a few seconds after SIGTERM, until kube-proxy has
    // dropped it from the webhook Service: a refused connection is an audit batch the API server never resends.
    args: ['run', '--config', `${PATHS.config}/${role}.yaml`, ...(role === 'consumer' ? [`--shutdown-delay=${CONSUMER_SHUTDOWN_DELAY_S}`] : [])],
    env: [...files.env, ...v8Options(pod)],
    ports: [...ports, containerPort('metrics', PORTS.metrics)],
    readinessProbe: httpProbe('/readyz', 'metrics'),
    livenessProbe: httpProbe('/healthz', 'metrics', 20),
    resources: resources(pod.resources),
    securityContext: restrictedContainer,
    volumeMounts: files.mounts,
  };
}

const quantityUnits: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/**
 * NODE_OPTIONS sizing V8's heap to the container (`npm run bench -- memory`, audit stream): an old space of 3/4
 * of the memory limit, so V8 neither grows its heap as on a host without limit (peak RSS 273 -> 198 MiB unpaced)
 * nor stops at its own default of about half the cgroup limit while the container still has room; and an 8 MiB
 * semi-space instead of 16 (peak RSS 134 -> 120 MiB at 1,000 events/s, 198 -> 182 MiB unpaced, for 15-20% more
 * CPU per event; 4 MiB saved little more and cost 40% more CPU at 1,000 events/s).
 */
function v8Options(pod: PodOptions): k8s.EnvVar[] {
  const limit = pod.resources?.limits?.memory;
  const m = /^(\d+(?:\.\d+)?)([kMGT]i?)?$/.exec(String(limit ?? ''));
  const bytes = m ? Number(m[1]) * quantityUnits[m[2] ?? '']! : 0;
  const oldSpace = bytes > 0 ? ` --max-old-space-size=${Math.floor((bytes * 0.75) / 2 ** 20)}` : '';
  return [{ name: 'NODE_OPTIONS', value: `--max-semi-space-size=8${oldSpace}` }];
}

/** The pod spec of a role: its service account, non-root, with the files' volumes. */
export function kelemetryPodSpec(ctx: InstanceContext, role: Role, files: KelemetryFiles, containers: k8s.Container[]): k8s.PodSpec {
  return { serviceAccountName: ctx.name(role), securityContext: nonRootPod(KELEMETRY_UID), containers, volumes: files.volumes };
}
