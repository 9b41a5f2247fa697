/**
 * One object, one trace, for every cluster-scoped resource type the API server serves (issue "Every trace
 * right", item 10): each type that can be watched and patched gets one object changed here — an existing one
 * labelled, or one created when the environment has none — and its audit, diff and Event producers must write a
 * single object trace per window, keyed without a namespace. The types come from discovery, so a Kubernetes
 * upgrade that adds one fails this test until it is covered or excluded with a reason. This run's spans carry a
 * `testRun` tag (tracer.pseudoSpanTags), so other test files tracing the same shared objects do not count.
 */
import { randomBytes } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningApp } from '../../app/app.ts';
import { windowOf, windowStartMs } from '../../runtime/model/window.ts';
import { TraceReaderClient } from './audit-traces.ts';
import { createTestNamespace, kubeClients } from './helpers/kube.ts';
import { startAllProducers } from './helpers/allProducers.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const kube = kubeClients(env);
const suffix = randomBytes(3).toString('hex');
const startedMs = Date.now();
const label = `kelemetry-test-${suffix}`;
let app: RunningApp;
let reader: TraceReaderClient;
const kubectl = (args: string[], input?: string) =>
  new Promise<string>((resolve, reject) => {
    const child = execFile(env.binaries.kubectl, ['--kubeconfig', env.kube.kubeconfig, ...args], (err, stdout, stderr) => (err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
    if (input !== undefined) child.stdin!.end(input);
  });

/** Types the test cannot change harmlessly, each with the reason. */
const EXCLUDED: Record<string, string> = {
  resourceslices: 'written by DRA drivers for their nodes; none runs here, and a hand-made slice needs a driver and pool',
};

/** A minimal object of `resource` named `name`, for the types with no object in a fresh environment. */
function manifest(resource: string, name: string, node: string): object | undefined {
  const meta = { name, labels: { [label]: 'created' } };
  switch (resource) {
    case 'persistentvolumes':
      return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: meta, spec: { capacity: { storage: '1Mi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` }, storageClassName: `none-${suffix}` } };
    case 'mutatingwebhookconfigurations':
      return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: meta };
    case 'validatingwebhookconfigurations':
      return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: meta };
    case 'validatingadmissionpolicies':
      return {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: meta,
        spec: { matchConstraints: { resourceRules: [{ apiGroups: ['test.kelemetry.io'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['nothings'] }] }, validations: [{ expression: 'true' }] },
      };
    case 'validatingadmissionpolicybindings':
      return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: meta, spec: { policyName: name, validationActions: ['Audit'] } };
    case 'ingressclasses':
      return { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: meta, spec: { controller: 'test.kelemetry.io/none' } };
    case 'runtimeclasses':
      return { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: meta, handler: `none-${suffix}` };
    case 'csidrivers':
      return { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { ...meta, name: `${name}.test.kelemetry.io` }, spec: {} };
    case 'csinodes':
      return { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { ...meta, name: node }, spec: { drivers: [] } };
    case 'storageclasses':
      return { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta, provisioner: 'test.kelemetry.io/none' };
    case 'volumeattachments':
      return { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: meta, spec: { attacher: 'test.kelemetry.io', nodeName: node, source: { persistentVolumeName: `none-${suffix}` } } };
    case 'volumeattributesclasses':
      return { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttributesClass', metadata: meta, driverName: 'test.kelemetry.io', parameters: { a: 'b' } };
    case 'deviceclasses':
      return { apiVersion: 'resource.k8s.io/v1', kind: 'DeviceClass', metadata: meta, spec: {} };
    case 'certificatesigningrequests': {
      const request = execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/dev/null', '-subj', `/CN=${name}`]);
      return { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: meta, spec: { request: request.toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] } };
    }
    case 'customresourcedefinitions':
      return {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { ...meta, name: `nothings${suffix}.test.kelemetry.io` },
        spec: {
          group: 'test.kelemetry.io',
          names: { plural: `nothings${suffix}`, singular: `nothing${suffix}`, kind: `Nothing${suffix.toUpperCase()}`, listKind: `Nothing${suffix.toUpperCase()}List` },
          scope: 'Namespaced',
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
        },
      };
    default:
      return undefined;
  }
}

interface Target {
  resource: string;
  group: string;
  name: string;
}

const targets: Target[] = [];
const uncovered: string[] = [];
const created: string[][] = [];

beforeAll(async () => {
  const ns = await createTestNamespace(kube.core, 'scoped');
  ({ app, reader } = await startAllProducers(env, ns, { testRun: suffix }));

  // NAME SHORTNAMES APIVERSION NAMESPACED KIND VERBS
  const table = await kubectl(['api-resources', '--namespaced=false', '-o', 'wide', '--no-headers']);
  const node = `node-${suffix}`;
  await kube.core.createNode({ body: { metadata: { name: node, labels: { [label]: 'created' } }, spec: { taints: [{ key: 'kelemetry.io/test-only', effect: 'NoSchedule' }] } } });
  created.push(['nodes', node]);
  for (const line of table.trim().split('\n')) {
    const cols = line.trim().split(/\s+/);
    // VERBS is the comma-separated column (e.g. create,delete,get,list,patch,update,watch); CATEGORIES may follow.
    const verbs = (cols.find((c) => c.includes(',') && c.split(',').includes('get')) ?? '').split(',');
    const resource = cols[0]!;
    const apiVersion = cols.find((c) => /^[a-z0-9.-]*\/?v\d[a-z0-9]*$/.test(c) && c !== resource) ?? 'v1';
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
    if (!verbs.includes('watch') || !verbs.includes('patch')) continue;
    if (EXCLUDED[resource]) continue;
    if (resource === 'nodes') {
      targets.push({ resource, group, name: node });
      continue;
    }
    const fresh = manifest(resource, `scoped-${suffix}`, node);
    // The version the server serves (e.g. resource.k8s.io/v1 or v1beta2), whatever the table above names.
    if (fresh) (fresh as { apiVersion: string }).apiVersion = apiVersion;
    if (fresh) {
      await kubectl(['create', '-f', '-'], JSON.stringify(fresh));
      const name = (fresh as { metadata: { name: string } }).metadata.name;
      created.push([`${resource}.${group}`.replace(/\.$/, ''), name]);
      await kubectl(['label', `${resource}.${group}`.replace(/\.$/, ''), name, `${label}=changed`, '--overwrite']);
      targets.push({ resource, group, name });
      continue;
    }
    // Types every environment has objects of (namespaces, clusterroles, flowschemas …): label one.
    const names = (await kubectl(['get', `${resource}.${group}`.replace(/\.$/, ''), '-o', 'name'])).trim().split('\n').filter(Boolean);
    if (!names.length) {
      uncovered.push(`${resource}.${group}`);
      continue;
    }
    const name = names[0]!.split('/').pop()!;
    await kubectl(['label', `${resource}.${group}`.replace(/\.$/, ''), name, `${label}=changed`, '--overwrite']);
    targets.push({ resource, group, name });
  }
}, 120_000);

afterAll(async () => {
  // The app first: it holds the environment's audit receiver port, which the next test file binds.
  reader?.close();
  await app?.stop();
  await Promise.all([
    ...targets.map((t) => kubectl(['label', `${t.resource}.${t.group}`.replace(/\.$/, ''), t.name, `${label}-`]).catch(() => undefined)),
    ...created.map(([type, name]) => kubectl(['delete', type!, name!, '--wait=false']).catch(() => undefined)),
  ]);
}, 60_000);

describe('every cluster-scoped type the API server serves: one object trace per window, keyed without a namespace', () => {
  it('covers every watchable, patchable cluster-scoped type (or excludes it with a reason)', () => {
    expect(uncovered).toEqual([]);
    expect(targets.length).toBeGreaterThanOrEqual(15);
    for (const r of ['namespaces', 'nodes', 'clusterroles', 'persistentvolumes', 'storageclasses', 'priorityclasses', 'customresourcedefinitions']) {
      expect(targets.map((t) => t.resource), r).toContain(r);
    }
  });

  it('writes one object trace per window for each, with no namespace', async () => {
    const windows = () => new Set([windowOf(startedMs), windowOf(Date.now())]).size;
    const wrong: string[] = [];
    for (const t of targets) {
      const traces = await waitFor(`the audit spans of ${t.resource}/${t.name}`, async () => {
        const found = await reader.findTraces('object', { cluster, resource: t.resource, name: t.name, testRun: suffix }, windowStartMs(startedMs) - 60_000, Date.now() + 60_000);
        return [...found.values()].flat().some((s) => s.attrs['zzz-traceSource'] === 'audit') ? found : undefined;
      }, { timeoutMs: 30_000, intervalMs: 500 });
      const roots = [...traces.values()].flat().filter((s) => s.attrs['zzz-pseudoType'] === 'object' && s.attrs.resource === t.resource);
      if (traces.size !== windows()) wrong.push(`${t.resource}/${t.name}: ${traces.size} traces`);
      if (roots.some((r) => r.attrs.namespace)) wrong.push(`${t.resource}/${t.name}: keyed with namespace ${roots.find((r) => r.attrs.namespace)!.attrs.namespace}`);
    }
    console.log(`cluster-scoped types checked: ${targets.map((t) => t.resource).join(', ')}`);
    expect(wrong).toEqual([]);
  }, 600_000);
});
