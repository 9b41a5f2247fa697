/**
 * Which object an audit event is about, resolved once at the webhook and carried with the queued
 * message: the filter, the span, the decorators and the partition key all read this one answer.
 */
import { keyString } from '../model/objectKey.ts';
import type { AuditEvent, AuditMessage, AuditObject, ReceivedAuditEvent } from './types.ts';

export interface ObjectMeta {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; uid?: unknown };
}

/** The response object when it is a JSON object (it may be absent, a Status, or another kind). */
export function responseMeta(event: AuditEvent): ObjectMeta | undefined {
  const r = event.responseObject;
  return r && typeof r === 'object' && !Array.isArray(r) ? (r as ObjectMeta) : undefined;
}

/**
 * The object with its name filled in: a `create` with generateName (e.g. Pods made by a ReplicaSet) has
 * no name in objectRef, but the response object has it (and its uid). Undefined when the event is not
 * about one object.
 */
export function resolveObject(cluster: string, event: AuditEvent): AuditObject | undefined {
  const ref = event.objectRef;
  if (!ref?.resource) return undefined;
  let name = ref.name;
  let uid = ref.uid;
  if (!name) {
    const meta = responseMeta(event);
    const inferred = meta?.metadata?.name;
    if (typeof inferred !== 'string' || !inferred || meta?.kind === 'Status') return undefined;
    name = inferred;
    const responseUid = meta?.metadata?.uid;
    if (typeof responseUid === 'string') uid = responseUid;
  }
  const group = ref.apiGroup ?? '';
  return {
    cluster,
    group,
    version: ref.apiVersion ?? '',
    resource: ref.resource,
    namespace: objectNamespace(group, ref.resource, ref.namespace),
    name,
    ...(uid ? { uid } : {}),
    subresource: ref.subresource ?? '',
    requestResourceVersion: ref.resourceVersion ?? '',
  };
}

/**
 * The namespace part of the object's key. The apiserver puts a Namespace's own name in its objectRef's
 * namespace (`/api/v1/namespaces/foo` reads as namespace foo), while every other producer (watches, Events,
 * linkers) keys the cluster-scoped Namespace with none: one object, one key.
 */
export function objectNamespace(group: string, resource: string, namespace: string | undefined): string {
  return group === '' && resource === 'namespaces' ? '' : (namespace ?? '');
}

/** The queued form of a received event: its object resolved, its request body dropped. */
export function toMessage(received: ReceivedAuditEvent): AuditMessage {
  // The request body is not used past this point (spans are built from objectRef, responseStatus and
  // responseObject); dropping it roughly halves the memory a full queue holds.
  const { requestObject: _unused, ...event } = received.event;
  return { ...received, event, object: resolveObject(received.cluster, received.event) };
}

/**
 * Queue partition key: one object's events share a partition and so keep their order. Events not about
 * one object spread by audit ID.
 */
export function partitionKey(msg: AuditMessage): string {
  return msg.object ? keyString(msg.object) : `${msg.cluster}/${msg.event.auditID ?? ''}`;
}
