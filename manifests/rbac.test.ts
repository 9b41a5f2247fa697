/** RBAC without escalation: what the install grants the operator, and what an instance grants its pods. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInstance } from '../api/types.ts';
import { renderInstance } from './instance.ts';
import { INSTANCE_CLUSTER_ROLE, READER_CLUSTER_ROLE } from './naming.ts';
import { renderOperatorInstall } from './operatorInstall.ts';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface O {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { name: string }[];
}

const install = (watchNamespaces?: string[]) =>
  renderOperatorInstall({ namespace: 'kelemetry-system', image: 'kelemetry:test', watchNamespaces }) as unknown as O[];
const role = (objects: O[], name: string) => objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === name)!;
const grants = (rules: Rule[], group: string, resource: string, verb: string) =>
  rules.some((r) => (r.apiGroups ?? []).some((g) => g === group || g === '*') && (r.resources ?? []).some((x) => x === resource || x === '*') && r.verbs.some((v) => v === verb || v === '*'));

describe('operator RBAC', () => {
  const objects = install();
  const operatorRules = objects.filter((o) => o.kind === 'ClusterRole' && o.metadata.name.startsWith('kelemetry-operator')).flatMap((o) => o.rules ?? []);

  it('holds no escalate, no wildcard, and bind only on the fixed ClusterRoles by name', () => {
    expect(operatorRules.length).toBeGreaterThan(0);
    for (const r of operatorRules) {
      expect(r.verbs).not.toContain('escalate');
      expect(r.verbs).not.toContain('*');
      expect(r.resources).not.toContain('*');
      if (r.verbs.includes('bind')) {
        expect(r.verbs).toEqual(['bind']);
        expect(r.resources).toEqual(['clusterroles']);
        expect(r.resourceNames?.every((n) => [READER_CLUSTER_ROLE, INSTANCE_CLUSTER_ROLE].includes(n))).toBe(true);
      }
    }
    // It creates no roles at all: instances only bind the install's.
    expect(grants(operatorRules, 'rbac.authorization.k8s.io', 'clusterroles', 'create')).toBe(false);
    expect(grants(operatorRules, 'rbac.authorization.k8s.io', 'roles', 'create')).toBe(false);
  });

  it('may review tokens and access for its /metrics, and ships the metrics reader role to bind to scrapers', () => {
    const cluster = role(objects, 'kelemetry-operator').rules!;
    expect(grants(cluster, 'authentication.k8s.io', 'tokenreviews', 'create')).toBe(true);
    expect(grants(cluster, 'authorization.k8s.io', 'subjectaccessreviews', 'create')).toBe(true);
    expect(role(objects, 'kelemetry-metrics-reader').rules).toEqual([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
    // Opt-in children: NetworkPolicies, and the Prometheus Operator's monitors.
    const namespaced = role(objects, 'kelemetry-operator-namespaced').rules!;
    for (const [group, resource] of [['networking.k8s.io', 'networkpolicies'], ['monitoring.coreos.com', 'servicemonitors'], ['monitoring.coreos.com', 'podmonitors']]) {
      expect(grants(cluster, group!, resource!, 'watch'), resource).toBe(true);
      expect(grants(namespaced, group!, resource!, 'patch'), resource).toBe(true);
    }
  });

  it('gets Secrets and pods/proxy only through RoleBindings in the watched namespaces (its own by default)', () => {
    const cluster = role(objects, 'kelemetry-operator').rules!;
    expect(grants(cluster, '', 'secrets', 'get')).toBe(false);
    expect(grants(cluster, '', 'pods/proxy', 'get')).toBe(false);
    const namespaced = role(objects, 'kelemetry-operator-namespaced').rules!;
    expect(grants(namespaced, '', 'secrets', 'get')).toBe(true);
    expect(grants(namespaced, '', 'secrets', 'list')).toBe(false);
    const bindings = (objs: O[]) => objs.filter((o) => o.roleRef?.name === 'kelemetry-operator-namespaced').map((o) => `${o.kind}/${o.metadata.namespace ?? ''}`);
    expect(bindings(objects)).toEqual(['RoleBinding/kelemetry-system']);
    expect(bindings(install(['team-a', 'team-b']))).toEqual(['RoleBinding/team-a', 'RoleBinding/team-b']);
    expect(bindings(install(['*']))).toEqual(['ClusterRoleBinding/']);
    const args = (install(['team-a']).find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template.spec.containers[0]!.args;
    expect(args).toContain('--watch-namespaces=team-a');
  });

  it('ships a reader role that reads everything built in but Secrets and pod proxies', () => {
    const reader = objects.find((o) => o.kind === 'ClusterRole' && (o.metadata as { labels?: Record<string, string> }).labels?.['kelemetry.io/aggregate-to-reader'] === 'true')!;
    const rules = reader.rules!;
    for (const r of rules) expect(r.apiGroups).not.toContain('*');
    expect(grants(rules, '', 'secrets', 'get')).toBe(false);
    expect(grants(rules, '', 'pods/proxy', 'get')).toBe(false);
    for (const [group, resource] of [['', 'pods'], ['', 'configmaps'], ['', 'namespaces'], ['apps', 'deployments'], ['batch', 'jobs'], ['rbac.authorization.k8s.io', 'roles']]) {
      expect(grants(rules, group!, resource!, 'watch'), `${group}/${resource}`).toBe(true);
    }
    expect(role(objects, READER_CLUSTER_ROLE)).toMatchObject({ aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'kelemetry.io/aggregate-to-reader': 'true' } }] } });
  });
});

describe('instance RBAC', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
  const inst = parseInstance(parse(readFileSync(join(dir, 'minimal.input.yaml'), 'utf8')), 'minimal');
  const objects = renderInstance(inst).objects as unknown as O[];

  it('renders no roles, only bindings to the install fixed ClusterRoles', () => {
    expect(objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')).toEqual([]);
    const refs = objects.filter((o) => o.roleRef).map((o) => `${o.kind}->${o.roleRef!.kind}/${o.roleRef!.name}`);
    expect(refs.sort()).toEqual([`ClusterRoleBinding->ClusterRole/${READER_CLUSTER_ROLE}`, `RoleBinding->ClusterRole/${INSTANCE_CLUSTER_ROLE}`]);
  });

  it('keeps Secrets out of the diff controller, which the reader role cannot list', () => {
    const cm = objects.find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
    const informers = parse(cm.data['informers.yaml']!) as { informers: { diffController: { excludeResources: string[] } } };
    expect(informers.informers.diffController.excludeResources).toContain('secrets');
  });
});
