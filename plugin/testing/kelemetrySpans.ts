/**
 * Kelemetry-shaped raw spans, as the runtime writes them (spec 3.3–3.6), for the plugin's tests and
 * benchmark: one object pseudo span per object per window (service `object`), link spans in both
 * traces of an owner reference (service `link`), audit spans (service `audit`) with diff/snapshot logs,
 * Event spans (service `event`) with message logs.
 */
import { randomBytes } from 'node:crypto';
import { LinkRole, LogType, PseudoType, Tag, TraceSource, logTypeAttr } from '../../runtime/model/constants.ts';
import { keyString, type ObjectKey } from '../../runtime/model/objectKey.ts';
import { defaultSpanTtlMs, rfc3339Seconds, windowStartMs } from '../../runtime/model/window.ts';
import { randomSpanId } from '../model/ids.ts';
import { eventField } from '../model/otlp.ts';
import type { AttrValue, Span } from '../model/span.ts';

export interface VersionedObject extends ObjectKey {
  version: string;
}

export interface AuditSpec {
  /** e.g. `kwok-admin`. */
  username?: string;
  verb: string;
  subresource?: string;
  responseCode?: number;
  /** Lines `<path> <old JSON> -> <new JSON>`. */
  diff?: string[];
  /** Deletion/creation snapshot (JSON-encoded into the log). */
  snapshot?: unknown;
  userAgent?: string;
}

export interface EventSpec {
  reason: string;
  message: string;
  source?: string;
  action?: string;
}

/** Collects spans; keeps one object span per object per window, like the span cache does. */
export class KelemetrySpanBuilder {
  readonly spans: Span[] = [];
  private readonly objectSpans = new Map<string, Span>();

  constructor(private readonly spanTtlMs = defaultSpanTtlMs) {}

  private keyTags(obj: VersionedObject): [string, AttrValue][] {
    return [
      [Tag.cluster, obj.cluster],
      [Tag.group, obj.group],
      [Tag.resource, obj.resource],
      [Tag.namespace, obj.namespace],
      [Tag.name, obj.name],
      [Tag.version, obj.version],
    ];
  }

  /** The object span of the window containing `timeMs` (created on first use). */
  objectSpan(obj: VersionedObject, timeMs: number): Span {
    const start = windowStartMs(timeMs, this.spanTtlMs);
    const id = `${keyString(obj)}@${start}`;
    let span = this.objectSpans.get(id);
    if (!span) {
      span = {
        traceId: randomBytes(16).toString('hex'),
        spanId: randomSpanId(),
        name: `${obj.resource}/${obj.name}`,
        service: TraceSource.object,
        kind: 1,
        startUs: start * 1000,
        durationUs: this.spanTtlMs * 1000,
        tags: new Map<string, AttrValue>([
          ...this.keyTags(obj),
          [Tag.traceSource, TraceSource.object],
          [Tag.pseudoType, PseudoType.object],
          [Tag.timeStamp, rfc3339Seconds(start)],
        ]),
        logs: [],
        warnings: [],
      };
      this.objectSpans.set(id, span);
      this.spans.push(span);
    }
    return span;
  }

  private child(parent: Span, service: string, name: string, startMs: number, durationMs: number, tags: [string, AttrValue][]): Span {
    const span: Span = {
      traceId: parent.traceId,
      spanId: randomSpanId(),
      parentId: parent.spanId,
      name,
      service,
      kind: 1,
      startUs: startMs * 1000,
      durationUs: durationMs * 1000,
      tags: new Map(tags),
      logs: [],
      warnings: [],
    };
    this.spans.push(span);
    return span;
  }

  /** One link span in `owner`'s trace of that window, pointing at `linked`. */
  link(owner: VersionedObject, linked: ObjectKey, role: string, linkClass: string, timeMs: number): Span {
    const parent = this.objectSpan(owner, timeMs);
    return this.child(parent, TraceSource.link, `${owner.resource}/${owner.name}`, parent.startUs / 1000, this.spanTtlMs, [
      ...this.keyTags(owner),
      [Tag.traceSource, TraceSource.object],
      [Tag.pseudoType, PseudoType.link],
      [Tag.timeStamp, rfc3339Seconds(parent.startUs / 1000)],
      [Tag.linkedCluster, linked.cluster],
      [Tag.linkedGroup, linked.group],
      [Tag.linkedResource, linked.resource],
      [Tag.linkedNamespace, linked.namespace],
      [Tag.linkedName, linked.name],
      [Tag.linkRole, role],
      [Tag.linkClass, linkClass],
    ]);
  }

  /** An owner reference as the owner linker records it: link spans in both traces of the child's window. */
  ownerLink(owner: VersionedObject, child: VersionedObject, timeMs: number): void {
    this.link(child, owner, LinkRole.parent, 'children', timeMs);
    this.link(owner, child, LinkRole.child, 'children', timeMs);
  }

  audit(obj: VersionedObject, timeMs: number, a: AuditSpec): Span {
    const user = a.username ?? 'kwok-admin';
    const code = a.responseCode ?? 200;
    const title = `${user} ${a.verb}${a.subresource ? ` ${a.subresource}` : ''}${code >= 300 ? ` (${code === 404 ? 'Not Found' : 'Conflict'})` : ''}`;
    const span = this.child(this.objectSpan(obj, timeMs), TraceSource.audit, title, timeMs, 1000, [
      ...this.keyTags(obj),
      [Tag.notPseudo, Tag.notPseudo],
      [Tag.traceSource, TraceSource.audit],
      [Tag.auditId, randomBytes(8).toString('hex')],
      [Tag.username, user],
      [Tag.userAgent, a.userAgent ?? 'kube-controller-manager/v1.34.0'],
      [Tag.responseCode, String(code)],
      [Tag.resourceVersion, ''],
      [Tag.apiserver, '127.0.0.1'],
      [Tag.verbTag, a.verb],
      [Tag.sourceIP, '127.0.0.1'],
    ]);
    if (a.diff) span.logs.push({ timeUs: span.startUs, fields: new Map([[eventField, a.diff.map((l) => `${l}\n`).join('')], [logTypeAttr, LogType.objectDiff]]) });
    if (a.snapshot !== undefined) span.logs.push({ timeUs: span.startUs, fields: new Map([[eventField, JSON.stringify(a.snapshot)], [logTypeAttr, LogType.objectSnapshot]]) });
    return span;
  }

  event(obj: VersionedObject, timeMs: number, e: EventSpec): Span {
    const span = this.child(this.objectSpan(obj, timeMs), TraceSource.event, e.reason, timeMs, 1000, [
      ...this.keyTags(obj),
      [Tag.notPseudo, Tag.notPseudo],
      [Tag.traceSource, TraceSource.event],
      [Tag.source, e.source ?? 'deployment-controller'],
      [Tag.action, e.action ?? ''],
    ]);
    span.logs.push({ timeUs: span.startUs, fields: new Map([[eventField, e.message], [logTypeAttr, LogType.eventMessage]]) });
    return span;
  }
}

export interface DeploymentFamily {
  deployment: VersionedObject;
  replicaSets: VersionedObject[];
  pods: VersionedObject[][];
}

const minute = 60_000;

/**
 * A Deployment's life over `windows` windows starting at window `firstWindowMs` (a window start):
 * created in the first window with `replicaSets` ReplicaSets rolled out one per window round-robin,
 * `podsPerReplicaSet` Pods each, scaled (status.observedGeneration 1 -> 2), and deleted in the last
 * window with its snapshot. Every object gets audit and Event spans in every window it lives in.
 */
export function deploymentFamily(
  b: KelemetrySpanBuilder,
  opts: { cluster: string; namespace: string; name: string; firstWindowMs: number; windows: number; replicaSets: number; podsPerReplicaSet: number; spanTtlMs?: number },
): DeploymentFamily {
  const ttl = opts.spanTtlMs ?? defaultSpanTtlMs;
  const at = (w: number, offsetMin: number) => opts.firstWindowMs + w * ttl + offsetMin * minute;
  const deployment: VersionedObject = { cluster: opts.cluster, group: 'apps', version: 'v1', resource: 'deployments', namespace: opts.namespace, name: opts.name };
  const replicaSets: VersionedObject[] = [];
  const pods: VersionedObject[][] = [];
  for (let r = 0; r < opts.replicaSets; r++) {
    replicaSets.push({ ...deployment, resource: 'replicasets', name: `${opts.name}-${(0x5f000 + r).toString(16)}` });
    pods.push(Array.from({ length: opts.podsPerReplicaSet }, (_, p) => ({ cluster: opts.cluster, group: '', version: 'v1', resource: 'pods', namespace: opts.namespace, name: `${replicaSets[r]!.name}-p${p}` })));
  }
  const snapshot = (o: VersionedObject) => ({ apiVersion: o.group ? `${o.group}/${o.version}` : o.version, kind: o.resource, metadata: { name: o.name, namespace: o.namespace } });

  b.audit(deployment, at(0, 5), { username: 'kubectl-user', verb: 'create', userAgent: 'kubectl/v1.34.0', snapshot: snapshot(deployment) });
  b.audit(deployment, at(0, 6), {
    verb: 'update',
    subresource: 'status',
    diff: ['status.observedGeneration 1 -> 2', 'status.replicas 2 -> 4', 'metadata.resourceVersion "100" -> "105"', 'metadata.managedFields[0].time "2025-01-01T00:00:00Z" -> "2025-01-01T00:00:05Z"'],
  });
  for (let w = 0; w < opts.windows; w++) {
    b.event(deployment, at(w, 7), { reason: 'ScalingReplicaSet', message: `Scaled up replica set ${replicaSets[w % replicaSets.length]?.name} to ${opts.podsPerReplicaSet}` });
    if (w > 0) b.audit(deployment, at(w, 4), { username: 'kubectl-user', verb: 'patch', userAgent: 'kubectl/v1.34.0', diff: ['spec.template.spec.containers[0].image "alpine:3.16" -> "alpine:3.17"', 'metadata.generation 2 -> 3'] });
  }
  b.audit(deployment, at(opts.windows - 1, 25), { username: 'kubectl-user', verb: 'delete', userAgent: 'kubectl/v1.34.0', snapshot: snapshot(deployment) });

  replicaSets.forEach((rs, r) => {
    const born = Math.min(r, opts.windows - 1);
    for (let w = born; w < opts.windows; w++) {
      const t = at(w, 8 + (r % 10) * 0.5);
      if (w === born) b.audit(rs, t, { verb: 'create', snapshot: snapshot(rs) });
      else b.audit(rs, t, { verb: 'update', diff: [`spec.replicas ${opts.podsPerReplicaSet} -> ${opts.podsPerReplicaSet}`] });
      b.audit(rs, t + 1000, { verb: 'update', subresource: 'status', diff: [`status.replicas 0 -> ${opts.podsPerReplicaSet}`, 'metadata.resourceVersion "1" -> "2"'] });
      b.event(rs, t + 2000, { reason: 'SuccessfulCreate', message: `Created pod: ${pods[r]![0]?.name}`, source: 'replicaset-controller' });
      b.ownerLink(deployment, rs, t);
      for (const pod of pods[r]!) {
        const tp = t + 3000;
        if (w === born) b.audit(pod, tp, { verb: 'create', snapshot: snapshot(pod) });
        b.audit(pod, tp + 1000, { username: 'kwok-node', verb: 'patch', subresource: 'status', diff: ['status.phase "Pending" -> "Running"'] });
        b.event(pod, tp + 2000, { reason: 'Scheduled', message: `Successfully assigned ${pod.namespace}/${pod.name} to kwok-node-0`, source: 'default-scheduler' });
        b.ownerLink(rs, pod, tp);
      }
    }
  });
  return { deployment, replicaSets, pods };
}
