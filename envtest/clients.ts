/** Admin clients for the environment's real kube-apiserver (client-node 1.4, admin client certificate), and kubectl. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { EnvironmentInfo } from './environment.ts';

const run = promisify(execFile);

export interface KubeClients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  apiext: k8s.ApiextensionsV1Api;
  objects: k8s.KubernetesObjectApi;
  /** Runs the environment's kubectl against its apiserver; resolves with stdout and stderr. */
  kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }>;
}

export function kubeClients(info: Pick<EnvironmentInfo, 'kube' | 'binaries'>): KubeClients {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kube.kubeconfig);
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    apiext: kc.makeApiClient(k8s.ApiextensionsV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    kubectl: (...args) => run(info.binaries.kubectl, ['--kubeconfig', info.kube.kubeconfig, ...args]),
  };
}
