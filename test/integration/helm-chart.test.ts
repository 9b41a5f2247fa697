/**
 * The Helm chart (deploy/helm/kelemetry-operator) with a real Helm v3, built from Go modules on first use
 * (envtest/tools/helm): lint, template against the renderer that writes deploy/install.yaml, and install
 * into the test cluster (kube-apiserver, kube-controller-manager, kwok pods).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../envtest/environment.ts';
import { HELM_CHART_DIR } from '../../manifests/helmChart.ts';
import { INSTALL_FILE } from '../../manifests/installFile.ts';
import { DEFAULT_OPERATOR_NAMESPACE, renderOperatorInstall, type OperatorInstallOptions } from '../../manifests/operatorInstall.ts';
import { toYaml } from '../../manifests/yaml.ts';
import { parseDocs, sortDocs, startHelm, type Doc, type Helm } from './helpers/helm.ts';
import { createNamespace, adminClient, kubectl } from './operator-support.ts';

const env = inject('env');
const chart = join(repoRoot, HELM_CHART_DIR);
const CRD = 'kelemetryinstances.kelemetry.io';
const REPOSITORY = 'ghcr.io/kelemetry/kelemetry';
/** A cold Go build of Helm takes minutes on 2 shared cores; later runs find it cached. */
const BUILD_TIMEOUT_MS = 15 * 60_000;

type Deployment = Doc & {
  spec: { replicas: number; template: { spec: { containers: { image: string; args: string[]; imagePullPolicy?: string }[]; nodeSelector?: object; tolerations?: object[] } } };
};

const deploymentOf = (docs: Doc[]) => docs.find((d) => d.kind === 'Deployment') as Deployment;

/** What the chart adds on purpose: an explicit imagePullPolicy (Kubernetes' default for a tagged image). */
function withoutPullPolicy(docs: Doc[], expected = 'IfNotPresent'): Doc[] {
  const copy = structuredClone(docs);
  const container = deploymentOf(copy).spec.template.spec.containers[0]!;
  expect(container.imagePullPolicy).toBe(expected);
  delete container.imagePullPolicy;
  return copy;
}

/** The renderer's objects without the Namespace (Helm's release namespace, not the chart's) and, optionally, the CRD. */
function rendered(opts: OperatorInstallOptions, withCrd: boolean): Doc[] {
  return parseDocs(toYaml(renderOperatorInstall(opts))).filter((d) => d.kind !== 'Namespace' && (withCrd || d.kind !== 'CustomResourceDefinition'));
}

describe('Helm chart', () => {
  let helm: Helm;

  beforeAll(async () => {
    helm = await startHelm(env.kube.kubeconfig);
  }, BUILD_TIMEOUT_MS);

  afterAll(() => helm?.cleanup());

  const template = async (ns: string, args: string[] = []) => parseDocs(await helm.ok(['template', 'kelemetry-operator', chart, '--namespace', ns, ...args]));

  it('passes helm lint (strict), values.schema.json included', async () => {
    const out = await helm.ok(['lint', '--strict', chart]);
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('renders with default values what deploy/install.yaml holds, minus the Namespace', async () => {
    const docs = await template(DEFAULT_OPERATOR_NAMESPACE, ['--include-crds']);
    const install = parseDocs(readFileSync(join(repoRoot, INSTALL_FILE), 'utf8'));
    expect(install.filter((d) => d.kind === 'Namespace').map((d) => d.metadata.name)).toEqual([DEFAULT_OPERATOR_NAMESPACE]);
    expect(docs.some((d) => d.kind === 'Namespace')).toBe(false);
    expect(sortDocs(withoutPullPolicy(docs))).toEqual(sortDocs(install.filter((d) => d.kind !== 'Namespace')));
  });

  it('follows overridden values: image tag and pull policy, watched namespaces, replicas, scheduling', async () => {
    const docs = await template('tracing', [
      ...['--set', 'image.tag=9.9.9', '--set', 'image.pullPolicy=Always', '--set', 'watchNamespaces={team-a,team-b}', '--set', 'replicas=3'],
      ...['--set', 'nodeSelector.pool=ops', '--set', 'tolerations[0].key=ops', '--set', 'tolerations[0].operator=Exists'],
    ]);
    const deployment = deploymentOf(docs);
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(3);
    expect(pod.containers[0]!.image).toBe(`${REPOSITORY}:9.9.9`);
    expect(pod.containers[0]!.args).toContain('--watch-namespaces=team-a,team-b');
    expect(pod.containers[0]!.args).toContain('--lease-namespace=tracing');
    expect(pod.nodeSelector).toEqual({ pool: 'ops' });
    expect(pod.tolerations).toEqual([{ key: 'ops', operator: 'Exists' }]);
    // Everything else is exactly what the renderer makes of the same options.
    const expected = rendered({ namespace: 'tracing', image: `${REPOSITORY}:9.9.9`, watchNamespaces: ['team-a', 'team-b'], replicas: 3 }, false);
    const normalised = withoutPullPolicy(docs, 'Always');
    delete deploymentOf(normalised).spec.template.spec.nodeSelector;
    delete deploymentOf(normalised).spec.template.spec.tolerations;
    expect(sortDocs(normalised)).toEqual(sortDocs(expected));
  });

  it('binds cluster-wide when every namespace is watched, as the renderer does', async () => {
    const docs = await template('tracing', ['--set', 'watchNamespaces={*}']);
    expect(docs.filter((d) => d.metadata.name === 'kelemetry-operator-namespaced').map((d) => d.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding']);
    expect(sortDocs(withoutPullPolicy(docs))).toEqual(sortDocs(rendered({ namespace: 'tracing', image: `${REPOSITORY}:0.1.0`, watchNamespaces: ['*'] }, false)));
  });

  it('rejects values values.schema.json forbids', async () => {
    for (const bad of [['--set', 'replicas=-1'], ['--set', 'watchNamespaces={Team_A}'], ['--set', 'imageTag=1']]) {
      const r = await helm.run(['template', 'kelemetry-operator', chart, ...bad]);
      expect(r.code, bad.join(' ')).not.toBe(0);
      expect(r.stderr).toContain('values don\'t meet the specifications of the schema');
    }
  });

  it('installs into a namespace of the cluster, and uninstalls what it installed', async () => {
    const ns = await createNamespace(adminClient(env), 'helm');
    // --take-ownership: other test files apply the same cluster-scoped roles with kubectl.
    await helm.ok(['install', 'kelemetry-operator', chart, '--namespace', ns, '--set', 'replicas=1', '--take-ownership', '--wait', '--timeout', '120s']);
    const deployment = JSON.parse((await kubectl(env, ['-n', ns, 'get', 'deployment', 'kelemetry-operator', '-o', 'json'])).stdout) as Deployment & { status: { readyReplicas?: number } };
    expect(deployment.spec.template.spec.containers[0]!.args).toContain(`--watch-namespaces=${ns}`);
    expect(deployment.status.readyReplicas).toBe(1);
    const established = await kubectl(env, ['wait', '--for=condition=Established', `crd/${CRD}`, '--timeout=30s']);
    expect(established.stderr).toBe('');
    expect((await kubectl(env, ['-n', ns, 'get', 'rolebinding', 'kelemetry-operator-namespaced'])).code).toBe(0);
    expect(await helm.ok(['list', '--namespace', ns, '--short'])).toBe('kelemetry-operator\n');

    await helm.ok(['uninstall', 'kelemetry-operator', '--namespace', ns, '--wait']);
    for (const [what, args] of [
      ['Deployment', ['-n', ns, 'get', 'deployment', 'kelemetry-operator']],
      ['RoleBinding', ['-n', ns, 'get', 'rolebinding', 'kelemetry-operator-namespaced']],
      ['ClusterRole', ['get', 'clusterrole', 'kelemetry-operator']],
    ] as const) {
      const r = await kubectl(env, [...args]);
      expect(r.stderr, what).toContain('NotFound');
    }
    // Helm never deletes what crds/ installed: instances of every release would go with it.
    expect((await kubectl(env, ['get', 'crd', CRD])).code).toBe(0);
  });
});
