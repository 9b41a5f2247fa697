/**
 * The sample KelemetryInstance the quickstart applies, as a new user would write it: one cluster reached
 * with in-cluster credentials, a managed etcd and a managed Jaeger v2, one replica of everything (one node).
 * It lives in the operator's own namespace, which the operator watches by default.
 */
export const quickstartNamespace = 'kelemetry-system';
export const quickstartInstance = 'quickstart';

export function sampleInstance(clusterName: string, version: string): Record<string, unknown> {
  return {
    apiVersion: 'kelemetry.io/v1alpha1',
    kind: 'KelemetryInstance',
    metadata: { name: quickstartInstance, namespace: quickstartNamespace },
    spec: {
      version,
      clusters: [{ name: clusterName }],
      audit: { replicas: 1, workers: 16, tls: { enabled: true } },
      informers: { replicas: 1, diff: { leaders: 1 } },
      frontend: { replicas: 1 },
      storage: { etcd: { managed: { replicas: 1 } } },
    },
  };
}
