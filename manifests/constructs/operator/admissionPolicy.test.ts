import { describe, expect, it } from 'vitest';
import { buildCrd } from '../../../api/crd.ts';
import { renderOperatorInstall } from '../../operatorInstall.ts';
import { ADMISSION_POLICY_NAME, ADMISSION_POLICY_SPEC, CONFIG_MAP_NAME_FIELDS, SECRET_NAME_FIELDS, SECRET_REFERENCES, namesAt } from './admissionPolicy.ts';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
}

/** Paths under spec (as the policy writes them) of every field whose name says it names a Secret or ConfigMap. */
function referenceFields(schema: Schema, path: string[] = []): { kind: 'secret' | 'configmap'; path: string }[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, sub]) => {
    const at = [...path, key].join('.');
    const kind = /secret/i.test(key) ? 'secret' : /configmap/i.test(key) ? 'configmap' : undefined;
    if (kind && sub.type === 'array') return [{ kind, path: `${at}[]` }];
    if (kind && sub.type === 'string') return [{ kind, path: at }];
    if (kind && sub.properties?.name) return [{ kind, path: `${at}.name` }];
    const inner = sub.type === 'array' && sub.items ? referenceFields(sub.items, []).map((f) => ({ ...f, path: `${at}[].${f.path}` })) : [];
    return [...inner, ...referenceFields(sub, [...path, key])];
  });
}

describe('the instance admission policy', () => {
  const crd = buildCrd() as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
  const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!;

  it('checks every Secret and ConfigMap of the instance namespace the CRD lets a spec name', () => {
    const found = referenceFields(spec);
    expect(found.filter((f) => f.kind === 'secret').map((f) => f.path)).toEqual(expect.arrayContaining(SECRET_NAME_FIELDS));
    expect(SECRET_NAME_FIELDS).toEqual(expect.arrayContaining(found.filter((f) => f.kind === 'secret').map((f) => f.path)));
    // The dynamic filter ConfigMap lives in each traced cluster, where the reader role already reads ConfigMaps.
    const configMaps = found.filter((f) => f.kind === 'configmap' && !f.path.startsWith('audit.filter.configMap'));
    expect(configMaps.map((f) => f.path).sort()).toEqual([...CONFIG_MAP_NAME_FIELDS].sort());
  });

  it('reads names from optional fields, lists and lists of objects without failing on absent sections', () => {
    expect(namesAt('audit.tls.secretName')).toBe(
      '(has(object.spec.audit) && has(object.spec.audit.tls) && has(object.spec.audit.tls.secretName) ? [object.spec.audit.tls.secretName] : [])',
    );
    expect(namesAt('images.pullSecrets[]')).toBe('(has(object.spec.images) && has(object.spec.images.pullSecrets) ? object.spec.images.pullSecrets : [])');
    expect(namesAt('clusters[].kubeconfig.secretRef.name')).toBe(
      '(has(object.spec.clusters) ? object.spec.clusters.filter(x, has(x.kubeconfig) && has(x.kubeconfig.secretRef) && has(x.kubeconfig.secretRef.name)).map(x, x.kubeconfig.secretRef.name) : [])',
    );
  });

  it('fails closed, denies, and leaves the status subresource and spec-less writes alone', () => {
    expect(ADMISSION_POLICY_SPEC.failurePolicy).toBe('Fail');
    expect(ADMISSION_POLICY_SPEC.matchConstraints?.resourceRules).toEqual([
      { apiGroups: ['kelemetry.io'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['kelemetryinstances'] },
    ]);
    expect(ADMISSION_POLICY_SPEC.matchConditions?.map((c) => c.expression)).toEqual(["request.operation == 'CREATE' || object.spec != oldObject.spec"]);
  });

  it('keeps authorization checks within the CEL cost budget and out of messages', () => {
    const validations = ADMISSION_POLICY_SPEC.validations ?? [];
    const checks = (text: string) => text.split(".check('").length - 1;
    // Variables are evaluated once; the apiserver's budget per evaluation is 10M, a check costs 350k.
    const worst = validations.reduce((n, v) => n + checks(v.expression), 0) + (ADMISSION_POLICY_SPEC.variables ?? []).reduce((n, v) => n + checks(v.expression), 0);
    expect(worst * 350_000).toBeLessThan(8_000_000);
    for (const v of validations) {
      expect(checks(v.expression)).toBeLessThanOrEqual(1);
      expect(v.messageExpression).not.toMatch(/authorizer|AllReadable/);
      expect(v.reason).toBe('Forbidden');
    }
    expect(validations.filter((v) => v.expression.includes(`${SECRET_REFERENCES.list}[`))).toHaveLength(SECRET_REFERENCES.named);
  });

  it('is rendered in the operator install with a binding that denies', () => {
    const install = renderOperatorInstall({ namespace: 'kelemetry-system', image: 'kelemetry:test' });
    const policy = install.find((o) => o.kind === 'ValidatingAdmissionPolicy');
    expect(policy).toMatchObject({ apiVersion: 'admissionregistration.k8s.io/v1', metadata: { name: ADMISSION_POLICY_NAME } });
    const binding = install.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding');
    expect(binding).toMatchObject({ metadata: { name: ADMISSION_POLICY_NAME }, spec: { policyName: ADMISSION_POLICY_NAME, validationActions: ['Deny'] } });
  });
});
