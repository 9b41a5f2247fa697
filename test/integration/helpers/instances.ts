/**
 * KelemetryInstances of a multi-cluster install, run in this process: each role's runtime config is what the
 * operator renders (manifests/runtimeConfig.ts) for an instance with external etcd, Redis and Jaeger, then only
 * what a pod has and a test process has not is swapped: mounted file paths, pod listen addresses, and short
 * test timings.
 */
import { startApp, type RunningApp } from '../../../app/app.ts';
import { API_VERSION, KIND } from '../../../api/constants.ts';
import { parseInstance } from '../../../api/parse.ts';
import type { EnvironmentInfo } from '../../../envtest/environment.ts';
import { startJaegerQuery } from '../../../envtest/jaeger.ts';
import { stopProcess } from '../../../envtest/process.ts';
import { renderRuntimeConfig, type Role } from '../../../manifests/runtimeConfig.ts';
import type { RunningPlugin } from '../../../plugin/index.ts';
import { parseConfig } from '../../../runtime/config/load.ts';
import type { Config, ConfigInput } from '../../../runtime/config/schema.ts';
import { createLogger } from '../../../runtime/util/log.ts';

export interface TestCluster {
  name: string;
  kubeconfig: string;
}

export interface InstanceOptions {
  /** metadata.name; also names its Leases and event ConfigMap. */
  name: string;
  /** metadata.namespace: must exist in the instance's own cluster (its Leases live there). */
  namespace: string;
  /** spec.clusters, each with the kubeconfig its Secret would hold. */
  clusters: TestCluster[];
  /** spec.currentCluster: where this instance runs and what its informers watch. */
  currentCluster: string;
  /** Cache key prefix root, shared by the instances of one install (that is what joins their traces). */
  cachePrefix: string;
  /** Port the consumer's audit webhook listens on (127.0.0.1). */
  auditPort?: number;
  /** The display-mode file the frontend's ConfigMap would hold (spec.frontend.displayModes); default the built-in modes. */
  displayModeFile?: string;
}

/** A shorter election than the defaults, so a test's leaders settle within seconds. */
const election = { leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s' };

/** The instance as a user would write it: external stores shared by every instance, no audit authentication. */
function instanceDoc(env: EnvironmentInfo, opts: InstanceOptions): unknown {
  const cache = (which: string, backend: 'etcd' | 'redis') => ({ backend, prefix: `${opts.cachePrefix}/${which}/` });
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: opts.name, namespace: opts.namespace },
    spec: {
      version: '0.1.0',
      clusters: opts.clusters.map((c) => ({ name: c.name, kubeconfig: { source: 'Secret', secretRef: { name: `kubeconfig-${c.name}`, key: 'kubeconfig' } } })),
      currentCluster: opts.currentCluster,
      // Plain HTTP: the test's apiservers post to 127.0.0.1 (the operator-issued certificate names the in-cluster Service).
      audit: { auth: { mode: 'None' }, tls: { enabled: false } },
      ...(opts.displayModeFile ? { frontend: { displayModes: { configMapRef: { name: 'display-modes', key: 'modes.yaml' } } } } : {}),
      storage: {
        etcd: { external: { endpoints: [env.etcd.endpoint] } },
        redis: { external: { url: env.redis.endpoint } },
        caches: { span: cache('span', 'etcd'), diff: cache('diff', 'etcd'), trace: cache('trace', 'redis') },
        jaeger: { external: { otlpEndpoint: env.jaeger.storage.otlpGrpc, remoteStorageEndpoint: env.jaeger.storage.remoteStorage, insecure: true } },
      },
    },
  };
}

/** What differs between a pod and this process; everything else stays as rendered. */
function adapt(input: ConfigInput, opts: InstanceOptions): ConfigInput {
  const kubeconfigs = new Map(opts.clusters.map((c) => [c.name, c.kubeconfig]));
  const informers = input.informers;
  return {
    ...input,
    clusters: input.clusters!.map((c) => ({ ...c, kubeconfig: kubeconfigs.get(c.name) })),
    tracer: { ...input.tracer!, scheduledDelay: '100ms' },
    metrics: { ...input.metrics, listen: '127.0.0.1:0' },
    ...(input.audit ? { audit: { ...input.audit, webhook: { ...input.audit.webhook, listen: `127.0.0.1:${opts.auditPort ?? 0}` } } } : {}),
    ...(informers?.diffController
      ? {
          informers: {
            ...informers,
            diffController: {
              ...informers.diffController,
              leaderElection: { ...informers.diffController.leaderElection, ...election },
              writerElection: { ...informers.diffController.writerElection, ...election },
            },
            eventController: { ...informers.eventController, leaderElection: { ...informers.eventController!.leaderElection, ...election } },
          },
        }
      : {}),
    ...(input.plugin
      ? { plugin: { ...input.plugin, grpcListen: '127.0.0.1:0', httpListen: '127.0.0.1:0', ...(opts.displayModeFile ? { displayModeFile: opts.displayModeFile } : {}) } }
      : {}),
  };
}

/** The instance's runtime config for one role, as its pod would load it (adapted to this process). */
export function roleConfig(env: EnvironmentInfo, opts: InstanceOptions, role: Role): Config {
  const inst = parseInstance(instanceDoc(env, opts), opts.name);
  return parseConfig(adapt(renderRuntimeConfig(inst, role), opts), `${opts.name} ${role}`);
}

/** Starts one role of an instance in this process, as `kelemetry run` would in its pod. */
export function startRole(env: EnvironmentInfo, opts: InstanceOptions, role: Role): Promise<RunningApp> {
  return startApp({ config: roleConfig(env, opts, role), logger: createLogger({ level: 'error' }, { instance: opts.name, role }) });
}

/** The storage plugin of a running frontend role. */
export function pluginOf(app: RunningApp): RunningPlugin {
  const plugin = app.components.find((c) => 'grpcPort' in c) as RunningPlugin | undefined;
  if (!plugin) throw new Error(`${app.config.clusters[0]?.name}: the app runs no storage plugin`);
  return plugin;
}

/** A Jaeger query in front of a frontend's plugin, as in the frontend pod; `stop` ends it. */
export async function startQueryFor(env: EnvironmentInfo, frontend: RunningApp, name: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const query = await startJaegerQuery({ binary: env.binaries.jaeger, backend: `127.0.0.1:${pluginOf(frontend).grpcPort}`, dir: env.baseDir, logDir: env.logDir, log: () => {}, name });
  return { url: query.info.url, stop: async () => void (await Promise.all(query.processes.map((p) => stopProcess(p)))) };
}
