/**
 * A deterministic, realistic audit stream: creates, patches, status updates, conflicts and deletes over
 * a population of live objects, with RequestResponse bodies shaped like real objects (~3-5 KB).
 */
import type { AuditEvent } from '../../../runtime/audit/types.ts';

/** Deterministic pseudo-random numbers, so runs are comparable. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

const kinds = [
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', weight: 1 },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', weight: 2 },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', weight: 6 },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', weight: 1 },
];
type Kind = (typeof kinds)[number];

/** A body shaped like a real object: labels, annotations, managedFields, spec and status (~3-5 KB). */
function objectBody(k: Kind, ns: string, name: string, rv: number, gen: number): Record<string, unknown> {
  const apiVersion = k.group ? `${k.group}/${k.version}` : k.version;
  const managed = ['kubectl-client-side-apply', 'kube-controller-manager', 'kube-scheduler'].map((manager) => ({
    manager,
    operation: 'Update',
    apiVersion,
    time: '2025-01-02T10:11:12Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:tier': {} } }, 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:resources': {} } } } } } },
  }));
  const container = {
    name: 'app',
    image: `registry.example.com/team/app:${gen}.0.${rv % 7}`,
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'REGION', value: 'eu-west-1' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
  };
  return {
    apiVersion,
    kind: k.kind,
    metadata: {
      name,
      namespace: ns,
      uid: `00000000-0000-4000-8000-${String(rv).padStart(12, '0')}`,
      resourceVersion: String(rv),
      generation: gen,
      creationTimestamp: '2025-01-02T10:11:12Z',
      labels: { app: name.split('-')[0], tier: 'backend', 'app.kubernetes.io/part-of': 'shop' },
      annotations: { 'deployment.kubernetes.io/revision': String(gen), 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { replicas: 3 } }) },
      managedFields: managed,
    },
    spec: k.kind === 'ConfigMap' ? undefined : { replicas: 3, selector: { matchLabels: { app: name } }, template: { spec: { containers: [container] } } },
    data: k.kind === 'ConfigMap' ? { 'config.yaml': 'x: 1\n'.repeat(40) } : undefined,
    status: k.kind === 'ConfigMap' ? undefined : { observedGeneration: gen, replicas: 3, readyReplicas: 2, conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2025-01-02T10:11:12Z', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }] },
  };
}

interface Obj {
  k: Kind;
  ns: string;
  name: string;
  rv: number;
  gen: number;
  /** Changes before it is deleted. */
  left: number;
}

/** One request to the apiserver: what it did to which object. */
interface Change {
  o: Obj;
  verb: string;
  subresource?: string;
  code: number;
  /** The object's resourceVersion before the request. */
  prevRv: number;
}

/** The live objects and the counters the stream advances. */
class Population {
  private readonly rand = rng(42);
  private readonly active: (Obj | undefined)[];
  serial = 0;
  private rv = 1000;

  constructor(objects: number) {
    this.active = Array.from({ length: objects }, () => undefined);
  }

  private pickKind(): Kind {
    const total = kinds.reduce((s, k) => s + k.weight, 0);
    let r = this.rand() * total;
    for (const k of kinds) if ((r -= k.weight) < 0) return k;
    return kinds[0]!;
  }

  private create(slot: number): Obj {
    const k = this.pickKind();
    const ns = `team-${Math.floor(this.rand() * 20)}`;
    const name = `${['web', 'api', 'worker', 'cache'][Math.floor(this.rand() * 4)]}-${(this.serial++).toString(36)}`;
    const o: Obj = { k, ns, name, rv: ++this.rv, gen: 1, left: 2 + Math.floor(this.rand() * 10) };
    this.active[slot] = o;
    return o;
  }

  /** Picks a slot: empty → create; exhausted → delete; else a status update, a patch or a conflict. */
  next(): Change {
    const slot = Math.floor(this.rand() * this.active.length);
    const existing = this.active[slot];
    let change: Omit<Change, 'prevRv'>;
    if (!existing) change = { o: this.create(slot), verb: 'create', code: 201 };
    else if (existing.left <= 0) {
      this.active[slot] = undefined;
      change = { o: existing, verb: 'delete', code: 200 };
    } else change = this.modify(existing);
    const prevRv = change.o.rv;
    if (change.code < 300) change.o.rv = ++this.rv;
    return { ...change, prevRv };
  }

  private modify(o: Obj): Omit<Change, 'prevRv'> {
    o.left--;
    const r = this.rand();
    if (r < 0.55) return { o, verb: 'update', subresource: o.k.kind === 'ConfigMap' ? undefined : 'status', code: 200 };
    if (r < 0.95) {
      o.gen++;
      return { o, verb: 'patch', code: 200 };
    }
    return { o, verb: 'update', code: 409 }; // optimistic-concurrency conflicts are common
  }
}

/**
 * RFC 3339 with 6 decimals, as a real apiserver writes (metav1.MicroTime): the original's webhook decodes
 * nothing else and drops the whole batch (still answering 200) for millisecond timestamps.
 */
export function microTime(us: number): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, 19)}.${String(Math.floor(us % 1_000_000)).padStart(6, '0')}Z`;
}

/** Wall-clock microseconds (Date.now() has only milliseconds). */
const nowUs = (): number => Math.floor((performance.timeOrigin + performance.now()) * 1000);

function auditEvent(n: number, serial: number, { o, verb, subresource, code, prevRv }: Change): AuditEvent {
  const now = nowUs();
  const body = objectBody(o.k, o.ns, o.name, o.rv, o.gen);
  return {
    level: 'RequestResponse',
    auditID: `bench-${n}-${(serial * 7919).toString(16)}`,
    stage: 'ResponseComplete',
    requestURI: `/apis/${o.k.group || 'core'}/${o.k.version}/namespaces/${o.ns}/${o.k.resource}/${verb === 'create' ? '' : o.name}`,
    verb,
    user: { username: subresource ? 'system:serviceaccount:kube-system:deployment-controller' : 'alice@example.com', groups: ['system:authenticated'] },
    sourceIPs: ['10.0.0.7'],
    userAgent: subresource ? 'kube-controller-manager/v1.33.1 (linux/amd64)' : 'kubectl/v1.33.1 (linux/amd64)',
    objectRef: { resource: o.k.resource, namespace: o.ns, name: verb === 'create' && o.k.kind === 'Pod' ? undefined : o.name, apiGroup: o.k.group, apiVersion: o.k.version, resourceVersion: String(prevRv), ...(subresource ? { subresource } : {}) },
    responseStatus: code >= 300 ? { code, status: 'Failure', reason: 'Conflict', message: 'the object has been modified' } : { code },
    ...(verb === 'patch' ? { requestObject: { spec: { template: { spec: { containers: [{ name: 'app', image: `registry.example.com/team/app:${o.gen}.0.1` }] } } } } } : {}),
    ...(verb === 'create' || verb === 'update' ? { requestObject: body } : {}),
    ...(code < 300 ? { responseObject: verb === 'delete' ? { apiVersion: 'v1', kind: 'Status', status: 'Success' } : body } : {}),
    requestReceivedTimestamp: microTime(now),
    stageTimestamp: microTime(now + 3_000),
  };
}

export function* stream(opts: { events: number; objects: number }): Generator<AuditEvent> {
  const population = new Population(opts.objects);
  for (let n = 0; n < opts.events; n++) {
    const change = population.next();
    yield auditEvent(n, population.serial, change);
  }
}

/**
 * Batches sent before measuring, their spans carrying auditId `warm-…`: they load code and connect the
 * exporter, and run the per-event code often enough for V8 to optimise it, so the measurement is of a
 * running server, not of its first seconds (JIT and heap growth made the first measured batches take 3-5×
 * the steady latency, which alone set the p99 of a 6,000-event run).
 */
export function warmUpBatches(): AuditEvent[][] {
  const items = [...stream({ events: 2_000, objects: 500 })].map((e) => ({ ...e, auditID: `warm-${e.auditID}` }));
  return Array.from({ length: Math.ceil(items.length / 400) }, (_, i) => items.slice(i * 400, (i + 1) * 400));
}
