/** Clients for the test environment's real kube-apiserver (client-node 1.4, admin client certificate). */
import * as k8s from '@kubernetes/client-node';
import type { EnvironmentInfo } from '../../../test/env/environment.ts';

export interface KubeClients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  apiext: k8s.ApiextensionsV1Api;
  objects: k8s.KubernetesObjectApi;
}

export function kubeClients(env: EnvironmentInfo): KubeClients {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(env.kube.kubeconfig);
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    apiext: kc.makeApiClient(k8s.ApiextensionsV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
  };
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
