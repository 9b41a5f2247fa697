import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { findInstancePods } from './kubeTargets.ts';

/** A CoreV1Api that answers listNamespacedPod by evaluating equality label selectors over fixed pods. */
function fakeCore(pods: k8s.V1Pod[]): k8s.CoreV1Api {
  const matches = (labels: Record<string, string>, selector: string) =>
    selector.split(',').every((term) => {
      const [k, v] = term.split('=');
      return labels[k!] === v;
    });
  return {
    listNamespacedPod: async ({ namespace, labelSelector }: { namespace: string; labelSelector: string }) => ({
      items: pods.filter((p) => p.metadata?.namespace === namespace && matches(p.metadata?.labels ?? {}, labelSelector)),
    }),
  } as unknown as k8s.CoreV1Api;
}

const pod = (name: string, labels: Record<string, string>, namespace = 'ns'): k8s.V1Pod => ({
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'c', ports: [{ name: 'metrics', containerPort: 9090 }] }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

describe('findInstancePods', () => {
  it("selects the operator's pods by their selector labels, hand-written installs by part-of, and nothing of other instances", async () => {
    const core = fakeCore([
      pod('k-consumer-abc', { 'app.kubernetes.io/name': 'kelemetry', 'kelemetry.io/instance': 'k', 'app.kubernetes.io/component': 'consumer' }),
      pod('helm-consumer-0', { 'app.kubernetes.io/part-of': 'kelemetry', 'app.kubernetes.io/instance': 'k' }),
      pod('other-consumer-0', { 'app.kubernetes.io/name': 'kelemetry', 'kelemetry.io/instance': 'other' }),
      pod('k-consumer-elsewhere', { 'app.kubernetes.io/name': 'kelemetry', 'kelemetry.io/instance': 'k' }, 'ns2'),
    ]);
    const { targets } = await findInstancePods(core, 'ns', 'k');
    expect(targets.map((t) => t.target)).toEqual(['ns/helm-consumer-0:9090', 'ns/k-consumer-abc:9090']);
    expect(targets.find((t) => t.pod === 'k-consumer-abc')).toMatchObject({ component: 'consumer', ready: true, port: 9090 });
  });
});
