/**
 * RBAC without escalation, as the real kube-apiserver enforces it (authorization, the RBAC escalation
 * check, impersonation; kube-controller-manager aggregates the reader role). The install's RBAC is
 * applied; the operator runs in-process impersonating its service account, with namespace A watched.
 * A user with rights only in namespace A creates an instance there: the operator, holding no escalate,
 * reconciles it, and neither the instance's service accounts nor the operator can read a Secret in B.
 * The install's admission policy first refuses her, until she may bind the reader role her instance grants.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMISSION_POLICY_NAME } from '../../manifests/constructs/operator/admissionPolicy.ts';
import { renderOperatorInstall } from '../../manifests/operatorInstall.ts';
import { toYaml } from '../../manifests/yaml.ts';
import { waitFor } from './helpers/wait.ts';
import { adminClient, children, createNamespace, deleteInstance, getInstance, installCrd, instanceDoc, kubectl, runOperator, smallSpec } from './operator-support.ts';

const env = inject('env');
const client = adminClient(env);
const ALICE = 'alice@example.com';
const INSTANCE = 'team';

/** `kubectl auth can-i` as `as`: true when allowed. */
async function can(as: string, ...args: string[]): Promise<boolean> {
  const r = await kubectl(env, ['auth', 'can-i', `--as=${as}`, ...args]);
  if (r.code !== 0 && !/^no/.test(r.stdout)) throw new Error(`kubectl auth can-i ${args.join(' ')}: ${r.stderr}`);
  return r.code === 0;
}

describe('RBAC without escalation (real kube-apiserver authorization and impersonation)', () => {
  let op: ReturnType<typeof runOperator>;
  let opNs: string;
  let nsA: string;
  let nsB: string;
  let operatorSa: string;
  const sa = (ns: string, name: string) => `system:serviceaccount:${ns}:${name}`;

  beforeAll(async () => {
    await installCrd(client);
    opNs = await createNamespace(client, 'kelemetry-op');
    nsA = await createNamespace(client, 'team-a');
    nsB = await createNamespace(client, 'team-b');
    operatorSa = sa(opNs, 'kelemetry-operator');
    // The install as rendered, but the operator runs here rather than as a Deployment.
    const install = renderOperatorInstall({ namespace: opNs, image: 'kelemetry:test', watchNamespaces: [nsA] }).filter((o) => o.kind !== 'Deployment');
    const applied = await kubectl(env, ['apply', '--server-side', '--force-conflicts', '--field-manager=kelemetry-test', '-f', '-'], toYaml(install));
    expect(applied.stderr).toBe('');
    await kubectl(env, ['-n', nsB, 'create', 'secret', 'generic', 'topsecret', '--from-literal=password=hunter2']);
    // Alice: admin of namespace A only, and allowed to create instances there.
    await kubectl(env, ['-n', nsA, 'create', 'rolebinding', 'alice-admin', '--clusterrole=admin', `--user=${ALICE}`]);
    await kubectl(env, ['-n', nsA, 'create', 'role', 'instances', '--verb=get,list,create,patch,update', '--resource=kelemetryinstances.kelemetry.io']);
    await kubectl(env, ['-n', nsA, 'create', 'rolebinding', 'alice-instances', '--role=instances', `--user=${ALICE}`]);
    op = runOperator(env, { as: operatorSa, watchNamespaces: [nsA] });
  });

  afterAll(async () => {
    await deleteInstance(client, nsA, INSTANCE).catch(() => undefined);
    await op?.stop();
    // The environment is shared: leave no admission policy behind for the next file.
    await kubectl(env, ['delete', '--ignore-not-found', `validatingadmissionpolicybinding/${ADMISSION_POLICY_NAME}`, `validatingadmissionpolicy/${ADMISSION_POLICY_NAME}`]);
    await kubectl(env, ['delete', '--ignore-not-found', `clusterrolebinding/alice-bind-reader-${nsA}`, `clusterrole/alice-bind-reader-${nsA}`]);
  });

  it('refuses Alice an instance until she may bind the reader role it grants (the admission policy)', async () => {
    const doc = JSON.stringify(instanceDoc(INSTANCE, nsA, smallSpec()));
    // The apiserver loads policies from an informer: wait until the installed one refuses her.
    const refused = await waitFor('the admission policy to refuse Alice', async () => {
      const r = await kubectl(env, ['create', '--dry-run=server', `--as=${ALICE}`, '-f', '-'], doc);
      return r.code !== 0 ? r : false;
    });
    expect(refused.stderr).toContain(`user ${ALICE} cannot bind ClusterRole kelemetry-reader`);
    expect(await can(ALICE, 'bind', 'clusterroles/kelemetry-reader')).toBe(false);
    // A cluster admin lets her grant it: a ClusterRole with that one rule, bound to her.
    const role = `alice-bind-reader-${nsA}`;
    await kubectl(env, ['create', 'clusterrole', role, '--verb=bind', '--resource=clusterroles.rbac.authorization.k8s.io', '--resource-name=kelemetry-reader']);
    await kubectl(env, ['create', 'clusterrolebinding', role, `--clusterrole=${role}`, `--user=${ALICE}`]);
    expect(await can(ALICE, 'bind', 'clusterroles/kelemetry-reader')).toBe(true);
  });

  it('reconciles an instance Alice creates in namespace A while holding no escalate', async () => {
    const doc = JSON.stringify(instanceDoc(INSTANCE, nsA, smallSpec()));
    const r = await kubectl(env, ['apply', `--as=${ALICE}`, '-f', '-'], doc);
    expect(r.stderr).toBe('');
    const objs = await waitFor(
      'the instance children, its reader binding included',
      async () => {
        const list = await children(client, nsA, INSTANCE);
        const workloads = list.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
        return workloads.length === 6 && list.some((o) => o.kind === 'ClusterRoleBinding') && list.some((o) => o.kind === 'RoleBinding') ? list : false;
      },
      { timeoutMs: 60_000 },
    );
    expect(objs.find((o) => o.kind === 'ClusterRoleBinding')).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'kelemetry-reader' } });
    const inst = await waitFor('status of the instance', async () => {
      const i = await getInstance(client, nsA, INSTANCE);
      return i?.status?.observedGeneration ? i : false;
    });
    const degraded = inst?.status?.conditions?.find((c) => c.type === 'Degraded');
    expect(degraded?.message ?? '').not.toMatch(/forbidden/i);
  });

  it("the instance's service accounts read the cluster, but no Secret and no pod proxy, in namespace B or anywhere", async () => {
    for (const name of [`${INSTANCE}-consumer`, `${INSTANCE}-informers`]) {
      const as = sa(nsA, name);
      expect(await can(as, 'list', 'pods', '-n', nsB)).toBe(true);
      expect(await can(as, 'watch', 'deployments.apps', '--all-namespaces')).toBe(true);
      expect(await can(as, 'get', 'secret/topsecret', '-n', nsB)).toBe(false);
      expect(await can(as, 'list', 'secrets', '--all-namespaces')).toBe(false);
      expect(await can(as, 'get', 'pods', '--subresource=proxy', '-n', nsB)).toBe(false);
    }
    // Reading it for real, as the consumer's identity: refused by the API server.
    const read = await kubectl(env, ['-n', nsB, 'get', 'secret', 'topsecret', `--as=${sa(nsA, `${INSTANCE}-consumer`)}`]);
    expect(read.code).not.toBe(0);
    expect(read.stderr).toMatch(/forbidden/i);
    expect(await can(ALICE, 'get', 'secret/topsecret', '-n', nsB)).toBe(false);
  });

  it('the operator cannot escalate: no binding to cluster-admin, no roles, no Secrets outside the watched namespaces', async () => {
    const bind = await kubectl(env, ['create', 'clusterrolebinding', `escalate-${opNs}`, '--clusterrole=cluster-admin', `--serviceaccount=${opNs}:kelemetry-operator`, `--as=${operatorSa}`]);
    expect(bind.code).not.toBe(0);
    expect(bind.stderr).toMatch(/forbidden/i);
    const inB = await kubectl(env, ['-n', nsB, 'create', 'rolebinding', 'x', '--clusterrole=kelemetry-instance', `--serviceaccount=${nsB}:default`, `--as=${operatorSa}`]);
    expect(inB.stderr).toMatch(/forbidden/i);
    expect(await can(operatorSa, 'escalate', 'clusterroles')).toBe(false);
    expect(await can(operatorSa, 'create', 'clusterroles')).toBe(false);
    expect(await can(operatorSa, 'bind', 'clusterroles/cluster-admin')).toBe(false);
    expect(await can(operatorSa, 'bind', 'clusterroles/kelemetry-reader')).toBe(true);
    expect(await can(operatorSa, 'get', 'secret/topsecret', '-n', nsB)).toBe(false);
    expect(await can(operatorSa, 'get', 'secrets', '-n', nsA)).toBe(true);
    expect(await can(operatorSa, 'get', 'pods', '--subresource=proxy', '-n', nsB)).toBe(false);
  });

  it('may review tokens for its /metrics, and write the opt-in NetworkPolicies in the watched namespaces only', async () => {
    expect(await can(operatorSa, 'create', 'tokenreviews.authentication.k8s.io')).toBe(true);
    expect(await can(operatorSa, 'create', 'subjectaccessreviews.authorization.k8s.io')).toBe(true);
    expect(await can(operatorSa, 'watch', 'networkpolicies.networking.k8s.io', '--all-namespaces')).toBe(true);
    expect(await can(operatorSa, 'create', 'networkpolicies.networking.k8s.io', '-n', nsA)).toBe(true);
    expect(await can(operatorSa, 'create', 'networkpolicies.networking.k8s.io', '-n', nsB)).toBe(false);
  });

  it('leaves instances outside the watched namespaces alone', async () => {
    await kubectl(env, ['apply', '-f', '-'], JSON.stringify(instanceDoc('elsewhere', nsB, smallSpec())));
    await new Promise((r) => setTimeout(r, 3000));
    expect(await children(client, nsB, 'elsewhere')).toEqual([]);
    expect((await getInstance(client, nsB, 'elsewhere'))?.status).toBeUndefined();
    await deleteInstance(client, nsB, 'elsewhere');
  });
});
