/**
 * From an audit message (its object already resolved at the webhook) to the audit span to write
 * (spec 3.5, 5.5). Pure functions; the consumer sequences them.
 */
import { createHash } from 'node:crypto';
import { Tag, TraceSource } from '../model/constants.ts';
import type { RichObject, SpanEvent } from '../aggregator/types.ts';
import { responseMeta } from './object.ts';
import { statusText } from './statusText.ts';
import type { AuditEvent, AuditMessage, AuditObject } from './types.ts';

function groupOf(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string') return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
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
function rawObject(event: AuditEvent, object: AuditObject): Record<string, unknown> | undefined {
  const meta = responseMeta(event);
  if (!meta || meta.kind === 'Status') return undefined;
  if (groupOf(meta.apiVersion) !== object.group) return undefined;
  if (meta.metadata?.name !== object.name) return undefined;
  return meta as Record<string, unknown>;
}

/** The span's object: the resolved key and uid, with the response JSON when it is the object. */
function richObject(object: AuditObject, event: AuditEvent): RichObject {
  const { cluster, group, version, resource, namespace, name, uid } = object;
  const raw = rawObject(event, object);
  return { cluster, group, version, resource, namespace, name, ...(uid ? { uid } : {}), ...(raw ? { raw } : {}) };
}

function timeMs(text: string | undefined, fallback: number): number {
  const t = text ? Date.parse(text) : NaN;
  return Number.isFinite(t) ? t : fallback;
}

function auditTags(msg: AuditMessage, object: AuditObject, username: string): Record<string, string> {
  const e = msg.event;
  const tags: Record<string, string> = {
    [Tag.auditId]: e.auditID ?? '',
    [Tag.username]: username,
    [Tag.userAgent]: e.userAgent ?? '',
    [Tag.resourceVersion]: object.requestResourceVersion,
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

/**
 * The audit span's ID from (cluster, auditID, stage): a redelivered event writes the same span again,
 * which the query side drops as a duplicate. Random (undefined) when the event has no audit ID.
 */
export function auditSpanId(cluster: string, event: AuditEvent): string | undefined {
  if (!event.auditID) return undefined;
  const id = createHash('sha256').update(`${cluster}\0${event.auditID}\0${event.stage ?? ''}`).digest('hex').slice(0, 16);
  // The all-zero span ID is invalid in OTel.
  return /^0+$/.test(id) ? undefined : id;
}

export interface AuditSpanInput {
  object: RichObject;
  span: SpanEvent;
}

/** The span's object and the audit span for a message about `object` (its resolved `message.object`). */
export function toAuditSpan(msg: AuditMessage, object: AuditObject, ignoreImpersonatedUser: boolean): AuditSpanInput {
  const username = auditUsername(msg.event, ignoreImpersonatedUser);
  const startMs = timeMs(msg.event.requestReceivedTimestamp, msg.receivedAtMs);
  const endMs = Math.max(startMs, timeMs(msg.event.stageTimestamp, startMs));
  const spanId = auditSpanId(msg.cluster, msg.event);
  return {
    object: richObject(object, msg.event),
    span: {
      title: auditTitle(msg.event, username),
      traceSource: TraceSource.audit,
      startMs,
      endMs,
      tags: auditTags(msg, object, username),
      logs: [],
      ...(spanId ? { spanId } : {}),
    },
  };
}
