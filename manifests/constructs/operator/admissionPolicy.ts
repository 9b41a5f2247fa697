/**
 * No instance grants its pods more than the user who writes it may read. Every instance binds the reader
 * ClusterRole (cluster-wide read of every kind but Secrets) and mounts the Secrets and ConfigMaps its spec
 * names, and the operator does that with its own rights; so a ValidatingAdmissionPolicy, enforced by the
 * apiserver itself (no webhook to run), checks the requesting user with the `authorizer`: they must be
 * allowed to `bind` the reader role (RBAC's own rule: you may grant what you may bind) and to `get` every
 * Secret and ConfigMap the spec names. Writes that leave the spec alone (the operator's finalizer, labels)
 * are not checked, and the status subresource is not matched, so the operator needs no exemption.
 */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { GROUP, PLURAL } from '../../../api/types.ts';
import { READER_CLUSTER_ROLE } from '../../naming.ts';
import { operatorMetadata } from './metadata.ts';

export const ADMISSION_POLICY_NAME = 'kelemetry-instance-access';

/**
 * Where a spec names a Secret of the instance namespace (paths under spec, `[]` marks a list): each is
 * mounted into, or used by, the instance's pods. A unit test checks this against the CRD schema.
 */
export const SECRET_NAME_FIELDS = [
  'clusters[].kubeconfig.secretRef.name',
  'images.pullSecrets[]',
  'audit.tls.secretName',
  'audit.auth.tokenSecretRef.name',
  'audit.auth.clientCaSecretRef.name',
  'storage.etcd.external.tlsSecretRef.name',
  'storage.etcd.external.passwordSecretRef.name',
  'storage.redis.external.tlsSecretRef.name',
  'storage.redis.external.passwordSecretRef.name',
  'audit.queue.redis.tlsSecretRef.name',
  'audit.queue.redis.passwordSecretRef.name',
];
/** ConfigMaps of the instance namespace the spec names (audit.filter.configMap lives in each traced cluster, read under the reader role). */
export const CONFIG_MAP_NAME_FIELDS = ['frontend.displayModes.configMapRef.name'];

/** `has()` of every step of a dotted path below `base`, so absent optional sections yield no name. */
function present(base: string, path: string): string {
  const steps = path.split('.');
  return steps.map((_, i) => `has(${base}.${steps.slice(0, i + 1).join('.')})`).join(' && ');
}

/** CEL: the list of names at one field path (at most one `[]`) under object.spec. */
export function namesAt(path: string): string {
  const [head = '', tail] = path.split('[]');
  const base = 'object.spec';
  const value = `${base}.${head}`;
  if (tail === undefined) return `(${present(base, head)} ? [${value}] : [])`;
  if (tail === '') return `(${present(base, head)} ? ${value} : [])`;
  const rest = tail.slice(1);
  return `(${present(base, head)} ? ${value}.filter(x, ${present('x', rest)}).map(x, x.${rest}) : [])`;
}

/**
 * Each authorization check costs 350k of CEL's budget: at most two fit in one expression (1M) and about
 * 28 in one evaluation (10M). So the user is checked once for the whole namespace (admins pass there),
 * and otherwise each named object in a validation of its own, up to `named` of them. Messages may not
 * use the authorizer (the apiserver evaluates them without it), so each slot's message names its object.
 */
interface Reference {
  /** Variable holding the names. */
  list: string;
  resource: string;
  kind: string;
  fields: string[];
  named: number;
}
export const SECRET_REFERENCES: Reference = { list: 'secrets', resource: 'secrets', kind: 'Secret', fields: SECRET_NAME_FIELDS, named: 12 };
export const CONFIG_MAP_REFERENCES: Reference = { list: 'configMaps', resource: 'configmaps', kind: 'ConfigMap', fields: CONFIG_MAP_NAME_FIELDS, named: 1 };

const USER = "'user ' + request.userInfo.username";
const inNamespace = (ref: Reference) => `authorizer.group('').resource('${ref.resource}').namespace(request.namespace)`;
const HOW = 'ask for get on it (a Role and RoleBinding in that namespace)';

function referenceVariables(ref: Reference): k8s.Variable[] {
  return [
    { name: ref.list, expression: ref.fields.map(namesAt).join(' + ') },
    { name: `${ref.list}AllReadable`, expression: `size(variables.${ref.list}) == 0 || ${inNamespace(ref)}.check('get').allowed()` },
  ];
}

/** One validation per name slot, and one that refuses more names than slots unless the whole namespace is readable. */
function referenceValidations(ref: Reference): k8s.Validation[] {
  const names = `variables.${ref.list}`;
  const all = `variables.${ref.list}AllReadable`;
  const where = "' in namespace ' + request.namespace";
  const slots = Array.from({ length: ref.named }, (_, i) => ({
    expression: `size(${names}) <= ${i} || ${all} || ${inNamespace(ref)}.name(${names}[${i}]).check('get').allowed()`,
    messageExpression: `size(${names}) <= ${i} ? '' : ${USER} + ' cannot get ${ref.kind} ' + ${names}[${i}] + ${where} + ', which the instance hands to its pods: ${HOW}, or name a ${ref.kind} you may read'`,
    reason: 'Forbidden',
  }));
  const bounded = ref.fields.length <= ref.named && !ref.fields.some((f) => f.includes('[]'));
  if (bounded) return slots;
  const tooMany = {
    expression: `size(${names}) <= ${ref.named} || ${all}`,
    messageExpression:
      `${USER} + ' names ' + string(size(${names})) + ' ${ref.kind}s' + ${where} + ', more than the ${ref.named} checked one by one, ` +
      `and may not get every ${ref.kind} there: ask for get on ${ref.resource} in that namespace, or name fewer'`,
    reason: 'Forbidden',
  };
  return [tooMany, ...slots];
}

const BIND_READER = `authorizer.group('rbac.authorization.k8s.io').resource('clusterroles').name('${READER_CLUSTER_ROLE}').check('bind').allowed()`;

export const ADMISSION_POLICY_SPEC: k8s.ValidatingAdmissionPolicySpec = {
  // Fail closed: an instance nobody could check is an instance that may grant anything.
  failurePolicy: 'Fail',
  // Only the main resource: subresources (the operator's status writes) are matched only when listed.
  matchConstraints: { resourceRules: [{ apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: [PLURAL] }] },
  matchConditions: [{ name: 'spec-written', expression: "request.operation == 'CREATE' || object.spec != oldObject.spec" }],
  variables: [...referenceVariables(SECRET_REFERENCES), ...referenceVariables(CONFIG_MAP_REFERENCES)],
  validations: [
    {
      expression: BIND_READER,
      messageExpression:
        `${USER} + ' cannot bind ClusterRole ${READER_CLUSTER_ROLE}, which every instance grants its pods (cluster-wide read of every kind but Secrets): ` +
        `ask a cluster admin for a ClusterRoleBinding to a ClusterRole allowing verb bind on clusterroles/${READER_CLUSTER_ROLE} (rbac.authorization.k8s.io), or to create the instance'`,
      reason: 'Forbidden',
    },
    ...referenceValidations(SECRET_REFERENCES),
    ...referenceValidations(CONFIG_MAP_REFERENCES),
  ],
};

export class InstanceAdmissionPolicy extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const metadata = operatorMetadata(ADMISSION_POLICY_NAME);
    new k8s.KubeValidatingAdmissionPolicy(this, 'policy', { metadata, spec: ADMISSION_POLICY_SPEC });
    new k8s.KubeValidatingAdmissionPolicyBinding(this, 'binding', { metadata, spec: { policyName: ADMISSION_POLICY_NAME, validationActions: ['Deny'] } });
  }
}
