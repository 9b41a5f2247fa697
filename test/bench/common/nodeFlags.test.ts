import { describe, expect, it } from 'vitest';
import { parseInstance } from '../../../api/types.ts';
import { renderInstance } from '../../../manifests/instance.ts';
import { shippedNodeFlags } from './nodeFlags.ts';

interface Workload {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] } } };
}

describe('the benches run node as the pods ship it', () => {
  it('uses the consumer and frontend pods’ default NODE_OPTIONS', () => {
    const instance = parseInstance({ apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', metadata: { name: 'k', namespace: 'ns' }, spec: { version: '0.1.0', clusters: [{ name: 'c' }] } }, 'test');
    const workloads = renderInstance(instance).objects as unknown as Workload[];
    for (const name of ['k-consumer', 'k-frontend']) {
      const w = workloads.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
      const env = w?.spec.template.spec.containers[0]?.env ?? [];
      expect(env.find((e) => e.name === 'NODE_OPTIONS')?.value, name).toBe(shippedNodeFlags);
    }
  });
});
