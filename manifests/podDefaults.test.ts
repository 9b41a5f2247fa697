/** Pod defaults: requests and memory limits per component (overridable), and the managed etcd's hardening. */
import { describe, expect, it } from 'vitest';
import { parseInstance } from '../api/types.ts';
import { renderInstance } from './instance.ts';

interface Container {
  name: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: { httpGet: { path: string } };
  securityContext?: Record<string, unknown>;
}
interface Workload {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { containers: Container[]; affinity?: Record<string, unknown>; securityContext?: Record<string, unknown> } } };
}

const render = (spec: Record<string, unknown> = {}) =>
  (renderInstance(parseInstance({ apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', metadata: { name: 'k', namespace: 'ns' }, spec: { version: '0.1.0', clusters: [{ name: 'c' }], ...spec } }, 'test')).objects as unknown as Workload[]).filter(
    (o) => o.kind === 'Deployment' || o.kind === 'StatefulSet',
  );
const byName = (ws: Workload[], name: string) => ws.find((w) => w.metadata.name === name)!.spec.template.spec;

describe('pod defaults', () => {
  it('gives every container CPU and memory requests and a memory limit', () => {
    for (const w of render()) {
      for (const c of w.spec.template.spec.containers) {
        expect(c.resources?.requests, `${w.metadata.name}/${c.name}`).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(c.resources?.limits?.memory, `${w.metadata.name}/${c.name}`).toBeDefined();
      }
    }
    expect(byName(render(), 'k-informers').containers[0]!.resources).toEqual({ requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } });
  });

  it('lets the spec override them, map by map', () => {
    const ws = render({ informers: { pod: { resources: { requests: { cpu: '1' }, limits: {} } } } });
    expect(byName(ws, 'k-informers').containers[0]!.resources).toEqual({ requests: { cpu: '1' } });
  });

  it('runs the managed etcd non-root and restricted, spread over nodes, with a member-local liveness probe', () => {
    const etcd = byName(render(), 'k-etcd');
    expect(etcd.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(etcd.containers[0]!.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(etcd.containers[0]!.livenessProbe?.httpGet.path).toBe('/health?serializable=true');
    expect(etcd.affinity).toMatchObject({ podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } }] } });
    const own = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } } };
    expect(byName(render({ storage: { etcd: { managed: { pod: { affinity: own } } } } }), 'k-etcd').affinity).toEqual(own);
  });
});
