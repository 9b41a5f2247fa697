/** Clients for the test environment's real kube-apiserver (client-node 1.4, admin client certificate). */
import type * as k8s from '@kubernetes/client-node';
import { kubeClients, type KubeClients } from '../../../envtest/clients.ts';
import type { EnvironmentInfo } from '../../../envtest/environment.ts';
import { waitFor } from './wait.ts';

export { kubeClients, type KubeClients } from '../../../envtest/clients.ts';

/** Runs the environment's kubectl against its apiserver as the admin, as a user would. */
export function kubectlFor(env: EnvironmentInfo): KubeClients['kubectl'] {
  return kubeClients(env).kubectl;
}

/** A namespace unique to one test, so tests never see each other's objects. */
export async function createTestNamespace(core: k8s.CoreV1Api, prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** A minimal Deployment whose pods kwok runs on the fake node. */
export function demoDeployment(name: string, replicas: number, image = 'nginx:1.27'): k8s.V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image }] },
      },
    },
  };
}

/**
 * The original's e2e Deployment scenario (spec 11.3), as a user types it: create `demo` with 2
 * replicas, scale to 4, set image, scale to 2, delete — waiting for the controllers between steps.
 * `afterRollout` runs once the new image has rolled out (both ReplicaSets exist).
 */
export async function runDeploymentScenario(opts: {
  kubectl: (...args: string[]) => Promise<unknown>;
  apps: k8s.AppsV1Api;
  namespace: string;
  afterRollout?: () => Promise<void>;
}): Promise<void> {
  const { kubectl, apps, namespace } = opts;
  const read = () => apps.readNamespacedDeployment({ name: 'demo', namespace });
  await kubectl('-n', namespace, 'create', 'deployment', 'demo', '--image=nginx:1.27', '--replicas=2');
  await waitFor('2 available replicas', async () => (await read()).status?.availableReplicas === 2);
  await kubectl('-n', namespace, 'scale', 'deployment', 'demo', '--replicas=4');
  await waitFor('4 ready replicas', async () => (await read()).status?.readyReplicas === 4);
  await kubectl('-n', namespace, 'set', 'image', 'deployment/demo', 'nginx=nginx:1.28');
  await waitFor(
    'the rollout to finish',
    async () => {
      const d = await read();
      return d.status?.updatedReplicas === 4 && d.status?.replicas === 4 && d.status?.observedGeneration === d.metadata?.generation;
    },
    { timeoutMs: 90_000 },
  );
  await opts.afterRollout?.();
  await kubectl('-n', namespace, 'scale', 'deployment', 'demo', '--replicas=2');
  await kubectl('-n', namespace, 'delete', 'deployment', 'demo');
}
