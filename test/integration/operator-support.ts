/**
 * Shared pieces of the operator integration tests: the CRD install, an in-process operator against the
 * environment's real kube-apiserver, kubectl, and readers for instances and their children.
 */
import { execFile } from 'node:child_process';
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import type { EnvironmentInfo } from '../../envtest/environment.ts';
import { buildCrd } from '../../api/crd.ts';
import type { Condition, KelemetryInstanceStatus, ObjectMeta } from '../../api/types.ts';
import { INSTANCE_RESOURCE, OWNED_RESOURCES, collectionPath, objectPath } from '../../operator/controller/resources.ts';
import { startOperator, type RunningOperator } from '../../operator/operator.ts';
import { isNotFound } from '../../runtime/k8s/errors.ts';
import { KubeRest } from '../../runtime/k8s/rest.ts';
import { INSTANCE_LABEL, INSTANCE_NAMESPACE_LABEL } from '../../manifests/naming.ts';
import { createLogger, nullLogger } from '../../runtime/util/log.ts';
import { waitFor } from './helpers/wait.ts';

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & {
    finalizers?: string[];
    ownerReferences?: { uid: string; kind: string; name: string; controller?: boolean }[];
  };
  spec?: Record<string, unknown> & { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } };
  status?: Record<string, unknown>;
}

export type Instance = Obj & { status?: KelemetryInstanceStatus };

export function adminClient(env: EnvironmentInfo, userAgent = 'kelemetry-operator-test'): KubeRest {
  const kc = new KubeConfig();
  kc.loadFromFile(env.kube.kubeconfig);
  return new KubeRest(env.kube.clusterName, kc, { userAgent });
}

/** Applies the generated CRD (idempotent) and waits until the API server serves it. */
export async function installCrd(client: KubeRest): Promise<void> {
  const crd = buildCrd() as { metadata: { name: string } };
  await client.apply(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`, crd, 'kelemetry-test', true);
  await waitFor('the KelemetryInstance CRD to be established', async () => {
    const live = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
    return live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  });
  await waitFor('kelemetryinstances to be served', () => client.list(collectionPath(INSTANCE_RESOURCE)).then(() => true));
}

export async function createNamespace(client: KubeRest, prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 7)}`;
  await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

/** The environment's admin kubeconfig, impersonating `as` when given (e.g. the operator's service account). */
export function kubeConfigAs(env: EnvironmentInfo, as?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(env.kube.kubeconfig);
  if (!as) return kc;
  const impersonating = new KubeConfig();
  impersonating.loadFromOptions({
    clusters: kc.clusters,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
    users: kc.users.map((u) => ({ ...u, impersonateUser: as })),
  });
  return impersonating;
}

export function runOperator(
  env: EnvironmentInfo,
  opts: { leaseNamespace?: string; verbose?: boolean; auditFlowingIntervalMs?: number; as?: string; watchNamespaces?: string[]; optionalKindsIntervalMs?: number } = {},
): RunningOperator & { registry: Registry } {
  const kc = kubeConfigAs(env, opts.as);
  const registry = new Registry();
  const op = startOperator({
    kubeconfig: kc,
    logger: opts.verbose || process.env.KELEMETRY_TEST_VERBOSE ? createLogger({ level: 'info' }) : nullLogger,
    registry,
    workers: 2,
    leaderElection: opts.leaseNamespace ? { namespace: opts.leaseNamespace, leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 } : false,
    watchTimeoutSeconds: 60,
    backoff: { baseDelayMs: 50, maxDelayMs: 5000 },
    ...(opts.auditFlowingIntervalMs ? { auditFlowing: { intervalMs: opts.auditFlowingIntervalMs } } : {}),
    watchNamespaces: opts.watchNamespaces,
    optionalKindsIntervalMs: opts.optionalKindsIntervalMs,
  });
  return Object.assign(op, { registry });
}

export function instanceDoc(name: string, namespace: string, spec: Record<string, unknown>): Obj {
  return { apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', metadata: { name, namespace }, spec };
}

/** Single replicas, managed stores on emptyDir: everything runs on the kwok node. */
export function smallSpec(version = '0.1.0'): Record<string, unknown> {
  return {
    version,
    clusters: [{ name: 'tracetest' }],
    audit: { replicas: 1 },
    informers: { replicas: 1, diff: { leaders: 1 } },
    frontend: { replicas: 1 },
    storage: {
      etcd: { managed: { replicas: 1, storage: { ephemeral: true } } },
      jaeger: { managed: { storage: { ephemeral: true } } },
    },
  };
}

export const instancePath = (ns: string, name: string) => objectPath(INSTANCE_RESOURCE, name, ns);

export function applyInstance(client: KubeRest, doc: Obj): Promise<Instance> {
  return client.apply<Instance>(instancePath(doc.metadata.namespace!, doc.metadata.name), doc, 'kelemetry-test-user', true);
}

export function getInstance(client: KubeRest, ns: string, name: string): Promise<Instance | undefined> {
  return client.find<Instance>(instancePath(ns, name));
}

export function conditionOf(inst: Instance | undefined, type: string): Condition | undefined {
  return inst?.status?.conditions?.find((c) => c.type === type);
}

/** Waits for Ready=True at the instance's current generation and returns the instance. */
export function waitReady(client: KubeRest, ns: string, name: string, timeoutMs = 90_000, version?: string): Promise<Instance> {
  return waitFor(
    `${ns}/${name} to be Ready`,
    async () => {
      const inst = await getInstance(client, ns, name);
      const ready = conditionOf(inst, 'Ready');
      if (ready?.status !== 'True' || inst?.status?.observedGeneration !== inst?.metadata.generation) return false;
      if (version && inst?.status?.currentVersion !== version) return false;
      return inst;
    },
    { timeoutMs, intervalMs: 300 },
  );
}

/** Every object labelled as a child of the instance (namespaced ones in ns, cluster-scoped by label). */
export async function children(client: KubeRest, ns: string, name: string): Promise<Obj[]> {
  const out: Obj[] = [];
  for (const r of OWNED_RESOURCES) {
    const selector = r.namespaced ? `${INSTANCE_LABEL}=${name}` : `${INSTANCE_LABEL}=${name},${INSTANCE_NAMESPACE_LABEL}=${ns}`;
    const list = await client.list<Obj>(collectionPath(r, r.namespaced ? ns : undefined), { labelSelector: selector });
    out.push(...list.items.map((o) => ({ ...o, apiVersion: r.apiVersion, kind: r.kind })));
  }
  return out;
}

export async function deleteInstance(client: KubeRest, ns: string, name: string): Promise<void> {
  await client.delete(instancePath(ns, name)).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
}

export function kubectl(env: EnvironmentInfo, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(env.binaries.kubectl, ['--kubeconfig', env.kube.kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) {
      child.stdin?.write(input);
      child.stdin?.end();
    }
  });
}

export async function counterValue(registry: Registry, name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}
