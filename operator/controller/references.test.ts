import { describe, expect, it } from 'vitest';
import { parseInstance } from '../../api/types.ts';
import { checkExternalStores, referencesOf } from './references.ts';

const inst = (spec: Record<string, unknown>) =>
  parseInstance({ apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', metadata: { name: 'k', namespace: 'ns' }, spec: { version: '0.1.0', clusters: [{ name: 'a' }], ...spec } });

describe('references', () => {
  it('lists every Secret and ConfigMap the spec names, with the field and the keys it needs', () => {
    const refs = referencesOf(
      inst({
        clusters: [{ name: 'a' }, { name: 'b', kubeconfig: { source: 'Secret', secretRef: { name: 'b-kc' } } }],
        audit: { tls: { enabled: true, secretName: 'tls' }, auth: { mode: 'Token', tokenSecretRef: { name: 'tok' } } },
        frontend: { displayModes: { configMapRef: { name: 'dm' } } },
      }),
    );
    expect(refs).toEqual([
      { field: 'spec.clusters[1].kubeconfig.secretRef', kind: 'Secret', name: 'b-kc', keys: ['kubeconfig'] },
      { field: 'spec.audit.tls.secretName', kind: 'Secret', name: 'tls', keys: ['tls.crt', 'tls.key'] },
      { field: 'spec.audit.auth.tokenSecretRef', kind: 'Secret', name: 'tok', keys: ['token'] },
      { field: 'spec.frontend.displayModes.configMapRef', kind: 'ConfigMap', name: 'dm', keys: ['tfconfig.yaml'] },
    ]);
  });

  it('reports an unreachable external store by field and address (nothing listens on port 1)', async () => {
    const problems = await checkExternalStores(
      inst({ storage: { etcd: { external: { endpoints: ['http://127.0.0.1:1'] } }, jaeger: { managed: {} } } }),
      500,
    );
    expect(problems).toEqual([{ reason: 'StoreUnreachable', message: expect.stringMatching(/^spec\.storage\.etcd\.external\.endpoints\[0\]: 127\.0\.0\.1:1 unreachable: .*ECONNREFUSED/) }]);
  });
});
