/**
 * The operator's own install: CRD, ServiceAccount, RBAC and Deployment, rendered the same way as an
 * instance (fresh App/Chart, L1 ApiObjects) so `kelemetry synth --operator` and cdk8s synth print it.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { buildCrd } from '../api/crd.ts';
import { GROUP, PLURAL } from '../api/types.ts';
import { httpProbe, nonRootPod, restrictedContainer, type Obj } from './workload.ts';

export interface OperatorInstallOptions {
  namespace: string;
  /** The one Kelemetry image; the operator runs `kelemetry operator`. */
  image: string;
  replicas?: number;
}

const NAME = 'kelemetry-operator';

export function renderOperatorInstall(opts: OperatorInstallOptions): Obj[] {
  const app = new App();
  const chart = new Chart(app, NAME, { disableResourceNameHashes: true });
  const labels = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/part-of': 'kelemetry' };
  const meta = (name: string, namespaced = true) => ({ name, labels, ...(namespaced ? { namespace: opts.namespace } : {}) });
  const obj = (id: string, body: Obj) => new ApiObject(chart, id, body as never);

  obj('crd', buildCrd());
  obj('sa', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(NAME) });
  obj('clusterrole', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: meta(NAME, false),
    rules: [
      { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
      { apiGroups: [GROUP], resources: [`${PLURAL}/status`, `${PLURAL}/finalizers`], verbs: ['get', 'update', 'patch'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['services', 'configmaps', 'serviceaccounts'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      // Secrets are only read, to report a missing or incomplete reference in status.
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
      // The AuditFlowing condition lists an instance's pods and reads their metrics through the pod proxy.
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods/proxy'], verbs: ['get'] },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      // The instances' readers get cluster-wide read access; granting it needs escalate and bind.
      {
        apiGroups: ['rbac.authorization.k8s.io'],
        resources: ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'escalate', 'bind'],
      },
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
    ],
  });
  obj('clusterrolebinding', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta(NAME, false),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
    subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: opts.namespace }],
  });
  obj('role', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(`${NAME}-leader-election`),
    rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }],
  });
  obj('rolebinding', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(`${NAME}-leader-election`),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${NAME}-leader-election` },
    subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: opts.namespace }],
  });
  const selector = { 'app.kubernetes.io/name': NAME };
  obj('deployment', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(NAME),
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...labels, ...selector } },
        spec: {
          serviceAccountName: NAME,
          securityContext: nonRootPod(1000),
          containers: [
            {
              name: 'operator',
              image: opts.image,
              args: ['operator', '--leader-elect', `--lease-namespace=${opts.namespace}`, '--metrics-listen=0.0.0.0:9090'],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports: [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
              readinessProbe: httpProbe('/readyz', 'metrics'),
              livenessProbe: httpProbe('/healthz', 'metrics', 20),
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              securityContext: restrictedContainer,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  });
  return chart.toJson() as Obj[];
}
