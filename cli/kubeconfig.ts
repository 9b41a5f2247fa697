import { KubeConfig } from '@kubernetes/client-node';

/** The named kubeconfig file, else the default chain ($KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}
