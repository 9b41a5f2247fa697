/**
 * The sample KelemetryInstance the quickstart applies: one cluster (the local apiserver, reached
 * through a kubeconfig Secret as a remote cluster would be), the environment's etcd for every cache,
 * and the environment's Jaeger v2 (OTLP in, remote storage out) as external Jaeger.
 */
import type { EnvironmentInfo } from '../envtest/environment.ts';

export const quickstartNamespace = 'kelemetry-system';
export const quickstartInstance = 'quickstart';
export const kubeconfigSecret = 'tracetest-kubeconfig';

export function sampleInstance(env: EnvironmentInfo, version: string): Record<string, unknown> {
  return {
    apiVersion: 'kelemetry.io/v1alpha1',
    kind: 'KelemetryInstance',
    metadata: { name: quickstartInstance, namespace: quickstartNamespace },
    spec: {
      version,
      clusters: [{ name: env.kube.clusterName, kubeconfig: { source: 'Secret', secretRef: { name: kubeconfigSecret } } }],
      // The local apiserver's webhook kubeconfig is written before the instance exists, without a token.
      audit: { replicas: 1, workers: 16, auth: { mode: 'None' } },
      informers: { replicas: 1, diff: { leaders: 1 } },
      frontend: { replicas: 1 },
      storage: {
        etcd: { external: { endpoints: [env.etcd.endpoint] } },
        caches: { span: { backend: 'etcd' }, diff: { backend: 'etcd' }, trace: { backend: 'etcd' } },
        jaeger: { external: { otlpEndpoint: env.jaeger.storage.otlpGrpc, remoteStorageEndpoint: env.jaeger.storage.remoteStorage } },
      },
    },
  };
}
