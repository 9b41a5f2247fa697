/**
 * The stack of an installed KelemetryInstance, found through the API server: the instance names its
 * cluster, and the frontend Service (`<name>-query`, ports `http` for the plugin and `query` for
 * Jaeger) is reached through the Service proxy. Nothing but a kubeconfig is needed.
 */
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../api/constants.ts';
import type { KelemetryInstance } from '../../api/types.ts';
import { objectName } from '../../manifests/naming.ts';
import { PORTS } from '../../manifests/ports.ts';
import { UsageError } from '../commands/usage.ts';
import { serviceProxyEndpoint } from './endpoint.ts';
import type { Stack } from './stack.ts';

/** `NAMESPACE/NAME`, or `NAME` in namespace `default` (as kubectl). */
export function parseInstanceRef(ref: string): { namespace: string; name: string } {
  const parts = ref.split('/');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new UsageError(`--instance wants NAMESPACE/NAME, e.g. kelemetry-system/kelemetry; got "${ref}"`);
  return parts.length === 2 ? { namespace: parts[0]!, name: parts[1]! } : { namespace: 'default', name: parts[0]! };
}

async function readInstance(kc: k8s.KubeConfig, namespace: string, name: string): Promise<KelemetryInstance> {
  try {
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    return (await api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })) as KelemetryInstance;
  } catch (err) {
    if ((err as { code?: number }).code === 404) {
      throw new UsageError(`KelemetryInstance ${namespace}/${name} not found; list them with: kubectl get kelemetryinstances -A`);
    }
    throw new Error(`reading KelemetryInstance ${namespace}/${name}: ${(err as Error).message}`, { cause: err });
  }
}

export async function locateInstanceStack(kc: k8s.KubeConfig, ref: string, clusterFlag?: string): Promise<Stack> {
  const { namespace, name } = parseInstanceRef(ref);
  const inst = await readInstance(kc, namespace, name);
  const service = objectName({ namespace, name }, 'query');
  const cluster = clusterFlag ?? inst.spec.currentCluster ?? inst.spec.clusters[0]?.name;
  if (!cluster) throw new UsageError(`KelemetryInstance ${namespace}/${name} lists no clusters; pass --cluster NAME`);
  return {
    plugin: serviceProxyEndpoint(kc, namespace, service, 'http'),
    query: serviceProxyEndpoint(kc, namespace, service, 'query'),
    cluster,
    hint:
      `check the frontend is ready: kubectl -n ${namespace} get kelemetryinstance ${name}; kubectl -n ${namespace} get pods -l app.kubernetes.io/component=frontend\n` +
      '(reading through the API server needs get on services/proxy in that namespace)',
    uiLink: (id) => `run 'kubectl -n ${namespace} port-forward svc/${service} ${PORTS.pluginHttp}', then open http://127.0.0.1:${PORTS.pluginHttp}/ui/trace/${id}`,
  };
}
