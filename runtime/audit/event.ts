/**
 * From an audit event to the object it is about and the audit span to write (spec 3.5, 5.5).
 * Pure functions; the consumer sequences them.
 */
import { Tag, TraceSource } from '../model/constants.ts';
import type { RichObject, SpanEvent } from '../aggregator/types.ts';
import { statusText } from './statusText.ts';
import type { AuditEvent, AuditMessage, ObjectReference } from './types.ts';

interface ObjectMeta {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; uid?: unknown };
}

function responseMeta(event: AuditEvent): ObjectMeta | undefined {
  const r = event.responseObject;
  return r && typeof r === 'object' && !Array.isArray(r) ? (r as ObjectMeta) : undefined;
}

function groupOf(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string') return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The object reference with its name filled in: a `create` with generateName (e.g. Pods made by a
 * ReplicaSet) has no name in objectRef, but the response object has it. Undefined when the event is not
 * about one object.
 */
export function effectiveObjectRef(event: AuditEvent): ObjectReference | undefined {
  const ref = event.objectRef;
  if (!ref?.resource) return undefined;
  if (ref.name) return ref;
  const meta = responseMeta(event);
  const name = meta?.metadata?.name;
  if (typeof name !== 'string' || !name || meta?.kind === 'Status') return undefined;
  const uid = meta?.metadata?.uid;
  // resourceVersion stays empty, as in the original: it was the request's, not this object's.
  return { ...ref, name, uid: typeof uid === 'string' ? uid : ref.uid, resourceVersion: undefined };
}

/**
 * Queue partition key: one object's events share a partition and so keep their order. Events not about
 * one object spread by audit ID.
 */
export function partitionKey(cluster: string, event: AuditEvent): string {
  const ref = effectiveObjectRef(event);
  if (!ref) return `${cluster}/${event.auditID ?? ''}`;
  return `${cluster}/${ref.apiGroup ?? ''}/${ref.resource}/${ref.namespace ?? ''}/${ref.name}`;
}

export function auditUsername(event: AuditEvent, ignoreImpersonatedUser: boolean): string {
  if (!ignoreImpersonatedUser && event.impersonatedUser?.username) return event.impersonatedUser.username;
  return event.user?.username ?? '';
}

/** `<user> <verb>[ <subresource>][ (<status text>)]`; the status only for codes >= 300. */
export function auditTitle(event: AuditEvent, username: string): string {
  let title = `${username} ${event.verb ?? ''}`;
  if (event.objectRef?.subresource) title += ` ${event.objectRef.subresource}`;
  const code = event.responseStatus?.code;
  if (typeof code === 'number' && code >= 300) title += ` (${statusText(code)})`;
  return title;
}

/**
 * The response object is the object itself only for the main resource and for subresources that
 * return it (status); `scale` returns an autoscaling Scale and deletes may return a Status.
 */
function rawObject(event: AuditEvent, ref: ObjectReference): Record<string, unknown> | undefined {
  const meta = responseMeta(event);
  if (!meta || meta.kind === 'Status') return undefined;
  if (groupOf(meta.apiVersion) !== (ref.apiGroup ?? '')) return undefined;
  if (meta.metadata?.name !== ref.name) return undefined;
  return meta as Record<string, unknown>;
}

export function richObject(cluster: string, ref: ObjectReference, event: AuditEvent): RichObject {
  const raw = rawObject(event, ref);
  return {
    cluster,
    group: ref.apiGroup ?? '',
    version: ref.apiVersion ?? '',
    resource: ref.resource ?? '',
    namespace: ref.namespace ?? '',
    name: ref.name ?? '',
    ...(ref.uid ? { uid: ref.uid } : {}),
    ...(raw ? { raw } : {}),
  };
}

function timeMs(text: string | undefined, fallback: number): number {
  const t = text ? Date.parse(text) : NaN;
  return Number.isFinite(t) ? t : fallback;
}

export function auditTags(msg: AuditMessage, username: string): Record<string, string> {
  const e = msg.event;
  const tags: Record<string, string> = {
    [Tag.auditId]: e.auditID ?? '',
    [Tag.username]: username,
    [Tag.userAgent]: e.userAgent ?? '',
    [Tag.resourceVersion]: e.objectRef?.resourceVersion ?? '',
    [Tag.apiserver]: msg.sourceAddr,
    [Tag.verbTag]: e.verb ?? '',
  };
  // No responseStatus: no responseCode tag (the original panicked here).
  if (typeof e.responseStatus?.code === 'number') tags[Tag.responseCode] = String(e.responseStatus.code);
  const ips = e.sourceIPs ?? [];
  if (ips.length > 0) tags[Tag.sourceIP] = ips[0]!;
  if (ips.length > 1) tags[Tag.proxy] = `[${ips.slice(1).join(' ')}]`;
  return tags;
}

export interface AuditSpanInput {
  object: RichObject;
  span: SpanEvent;
}

/** The object and audit span for a message, or undefined if it is not about one object. */
export function toAuditSpan(msg: AuditMessage, ignoreImpersonatedUser: boolean): AuditSpanInput | undefined {
  const ref = effectiveObjectRef(msg.event);
  if (!ref) return undefined;
  const username = auditUsername(msg.event, ignoreImpersonatedUser);
  const startMs = timeMs(msg.event.requestReceivedTimestamp, msg.receivedAtMs);
  const endMs = Math.max(startMs, timeMs(msg.event.stageTimestamp, startMs));
  return {
    object: richObject(msg.cluster, ref, msg.event),
    span: {
      title: auditTitle(msg.event, username),
      traceSource: TraceSource.audit,
      startMs,
      endMs,
      tags: auditTags(msg, username),
      logs: [],
    },
  };
}
