/**
 * Per-cluster API clients built from the config's `clusters` (kubeconfig file, or in-cluster
 * credentials when none is given). Every pipeline addresses a cluster by its configured name.
 */
import type { ClusterConfig } from '../config/schema.ts';
import { inClusterCredentials, kubeconfigCredentials, type KubeCredentials } from './credentials.ts';
import { KubeRest } from './rest.ts';

export interface KubeClient {
  cluster: string;
  rest: KubeRest;
}

export interface KubeClients {
  names(): string[];
  /** Throws (naming the cluster) when it is not configured. */
  get(cluster: string): KubeClient;
  has(cluster: string): boolean;
  close(): void;
}

export function loadKubeConfig(cluster: Pick<ClusterConfig, 'name' | 'kubeconfig'>): KubeCredentials {
  try {
    return cluster.kubeconfig ? kubeconfigCredentials(cluster.kubeconfig) : inClusterCredentials();
  } catch (err) {
    throw new Error(`cluster ${cluster.name}: cannot load ${cluster.kubeconfig ? `kubeconfig ${cluster.kubeconfig}` : 'in-cluster credentials'}: ${(err as Error).message}`, { cause: err });
  }
}

export function createKubeClients(clusters: Array<Pick<ClusterConfig, 'name' | 'kubeconfig'>>, requestTimeoutMs = 30_000): KubeClients {
  const map = new Map<string, KubeClient>();
  for (const c of clusters) map.set(c.name, { cluster: c.name, rest: new KubeRest(c.name, loadKubeConfig(c), { timeoutMs: requestTimeoutMs }) });
  return {
    names: () => [...map.keys()],
    has: (name) => map.has(name),
    get(name) {
      const client = map.get(name);
      if (!client) throw new Error(`unknown cluster "${name}" (configured: ${[...map.keys()].join(', ') || 'none'})`);
      return client;
    },
    close() {
      for (const c of map.values()) c.rest.close();
    },
  };
}
