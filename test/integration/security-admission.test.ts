/**
 * The install's ValidatingAdmissionPolicy, enforced by the real kube-apiserver: whoever writes an
 * instance must be allowed to bind the reader ClusterRole and to get every Secret and ConfigMap the spec
 * names. Users are impersonated; no operator runs here (security-rbac.test.ts reconciles with it).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMISSION_POLICY_NAME, SECRET_REFERENCES } from '../../manifests/constructs/operator/admissionPolicy.ts';
import { renderOperatorInstall } from '../../manifests/operatorInstall.ts';
import { toYaml } from '../../manifests/yaml.ts';
import { waitFor } from './helpers/wait.ts';
import { adminClient, createNamespace, deleteInstance, installCrd, instanceDoc, kubectl, smallSpec } from './operator-support.ts';

const env = inject('env');
const client = adminClient(env);
/** May write instances in namespace A, bind the reader role, and get only the Secrets and ConfigMap below, by name. */
const BOB = 'bob@example.com';
/** Admin of namespace A (every Secret there) who may bind the reader role. */
const DAVE = 'dave@example.com';
/** May write instances and their status in namespace A, but not bind the reader role. */
const CAROL = 'carol@example.com';
const PULL_SECRETS = Array.from({ length: 9 }, (_, i) => `pull-${i}`);
const READABLE_SECRETS = ['kubeconfig-1', 'kubeconfig-2', 'kubeconfig-3', 'token', ...PULL_SECRETS];
const POLICY_OBJECTS = [`validatingadmissionpolicybinding/${ADMISSION_POLICY_NAME}`, `validatingadmissionpolicy/${ADMISSION_POLICY_NAME}`];

/** Creates (or, with dry-run, only admits) an instance as `as` (the admin when undefined); stderr carries the refusal. */
function create(as: string | undefined, ns: string, name: string, spec: Record<string, unknown>, dryRun = false) {
  const args = ['create', ...(as ? [`--as=${as}`] : []), ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'];
  return kubectl(env, args, JSON.stringify(instanceDoc(name, ns, spec)));
}

const withKubeconfigs = (...names: string[]) => ({
  ...smallSpec(),
  clusters: names.map((n, i) => ({ name: `c${i}`, kubeconfig: { source: 'Secret', secretRef: { name: n } } })),
});

describe('the instance admission policy (real kube-apiserver ValidatingAdmissionPolicy)', () => {
  let ns: string;

  beforeAll(async () => {
    await installCrd(client);
    ns = await createNamespace(client, 'admission');
    const wanted = new Set(['ClusterRole', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    const install = renderOperatorInstall({ namespace: 'kelemetry-system', image: 'kelemetry:test' }).filter((o) => wanted.has(o.kind as string));
    const applied = await kubectl(env, ['apply', '--server-side', '--force-conflicts', '--field-manager=kelemetry-test', '-f', '-'], toYaml(install));
    expect(applied.stderr).toBe('');
    const setup = [
      ['-n', ns, 'create', 'role', 'instances', '--verb=get,list,create,patch,update', '--resource=kelemetryinstances.kelemetry.io,kelemetryinstances.kelemetry.io/status'],
      ['-n', ns, 'create', 'rolebinding', 'instances', '--role=instances', `--user=${BOB}`, `--user=${CAROL}`, `--user=${DAVE}`],
      ['create', 'clusterrole', `bind-reader-${ns}`, '--verb=bind', '--resource=clusterroles.rbac.authorization.k8s.io', '--resource-name=kelemetry-reader'],
      ['create', 'clusterrolebinding', `bind-reader-${ns}`, `--clusterrole=bind-reader-${ns}`, `--user=${BOB}`, `--user=${DAVE}`],
      ['-n', ns, 'create', 'rolebinding', 'dave-admin', '--clusterrole=admin', `--user=${DAVE}`],
      ['-n', ns, 'create', 'role', 'named', '--verb=get', '--resource=secrets', ...READABLE_SECRETS.map((s) => `--resource-name=${s}`)],
      ['-n', ns, 'create', 'role', 'named-configmap', '--verb=get', '--resource=configmaps', '--resource-name=modes'],
      ['-n', ns, 'create', 'rolebinding', 'named', '--role=named', `--user=${BOB}`],
      ['-n', ns, 'create', 'rolebinding', 'named-configmap', '--role=named-configmap', `--user=${BOB}`],
    ];
    for (const args of setup) expect((await kubectl(env, args)).stderr).toBe('');
    // The apiserver loads policies from an informer: wait until this one refuses.
    await waitFor('the admission policy to be enforced', async () => (await create(CAROL, ns, 'probe', smallSpec(), true)).code !== 0, { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    for (const name of ['by-admin', 'bob']) await deleteInstance(client, ns, name).catch(() => undefined);
    // The environment is shared: leave no policy behind for the next file.
    await kubectl(env, ['delete', '--ignore-not-found', ...POLICY_OBJECTS]);
    await kubectl(env, ['delete', '--ignore-not-found', `clusterrolebinding/bind-reader-${ns}`, `clusterrole/bind-reader-${ns}`]);
  });

  it('refuses a user who may not bind the reader role, saying what is missing and how to get it', async () => {
    const r = await create(CAROL, ns, 'carol', smallSpec(), true);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`user ${CAROL} cannot bind ClusterRole kelemetry-reader`);
    expect(r.stderr).toMatch(/ClusterRoleBinding .* verb bind on clusterroles\/kelemetry-reader/);
  });

  it('admits a user who may bind the reader role and get every Secret named, each checked by name', async () => {
    // 12 names, as many as are checked one by one: the worst case of the CEL cost budget.
    const spec = (pullSecrets: string[]) => ({
      ...withKubeconfigs('kubeconfig-1', 'kubeconfig-2', 'kubeconfig-3'),
      images: { pullSecrets },
      audit: { replicas: 1, auth: { mode: 'Token', tokenSecretRef: { name: 'token' } } },
      frontend: { replicas: 1, displayModes: { configMapRef: { name: 'modes' } } },
    });
    expect(SECRET_REFERENCES.named).toBe(12);
    expect((await create(BOB, ns, 'bob', spec(PULL_SECRETS.slice(0, 8)))).stderr).toBe('');
    // One more: he must be allowed to get every Secret in the namespace instead.
    const r = await create(BOB, ns, 'bob-more', spec(PULL_SECRETS), true);
    expect(r.stderr).toContain(`user ${BOB} names 13 Secrets in namespace ${ns}, more than the 12 checked one by one`);
    // A namespace admin may get every Secret there: one check, however many are named.
    expect((await create(DAVE, ns, 'dave', spec([...PULL_SECRETS, 'anything']), true)).stderr).toBe('');
  });

  it('refuses a Secret or ConfigMap the user may not get, naming it', async () => {
    const secret = await create(BOB, ns, 'bob-secret', withKubeconfigs('kubeconfig-1', 'admin-kubeconfig'), true);
    expect(secret.stderr).toContain(`user ${BOB} cannot get Secret admin-kubeconfig in namespace ${ns}`);
    const pull = await create(BOB, ns, 'bob-pull', { ...smallSpec(), images: { pullSecrets: ['registry'] } }, true);
    expect(pull.stderr).toContain('cannot get Secret registry');
    const etcd = { external: { endpoints: ['https://etcd:2379'], tlsSecretRef: { name: 'etcd-tls' } } };
    const external = await create(BOB, ns, 'bob-etcd', { ...smallSpec(), storage: { ...(smallSpec().storage as object), etcd } }, true);
    expect(external.stderr).toContain('cannot get Secret etcd-tls');
    const modes = (name: string) => ({ ...smallSpec(), frontend: { replicas: 1, displayModes: { configMapRef: { name } } } });
    expect((await create(BOB, ns, 'bob-cm', modes('other'), true)).stderr).toContain(`user ${BOB} cannot get ConfigMap other in namespace ${ns}`);
    expect((await create(BOB, ns, 'bob-cm', modes('modes'), true)).stderr).toBe('');
  });

  it('checks spec writes only: labels and the status subresource pass, a spec change is checked', async () => {
    // A cluster admin may name any Secret; Carol, who may not bind the reader role, edits the instance.
    expect((await create(undefined, ns, 'by-admin', withKubeconfigs('admin-kubeconfig'))).stderr).toBe('');
    const patch = (body: object, ...extra: string[]) =>
      kubectl(env, ['-n', ns, 'patch', 'kelemetryinstance', 'by-admin', `--as=${CAROL}`, '--type=merge', '-p', JSON.stringify(body), ...extra]);
    expect((await patch({ metadata: { labels: { team: 'a' } } })).stderr).toBe('');
    expect((await patch({ status: { observedGeneration: 1 } }, '--subresource=status')).stderr).toBe('');
    const spec = await patch({ spec: { managementState: 'Unmanaged' } });
    expect(spec.stderr).toContain(`user ${CAROL} cannot bind ClusterRole kelemetry-reader`);
  });
});
