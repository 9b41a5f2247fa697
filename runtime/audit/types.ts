/** The parts of `audit.k8s.io/v1` Event that Kelemetry reads (spec 5.1), and the queued message. */
import type { VersionedKey } from '../model/objectKey.ts';

export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface ResponseStatus {
  code?: number;
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

export interface AuditEvent {
  level?: string;
  auditID?: string;
  stage?: string;
  requestURI?: string;
  verb?: string;
  user?: UserInfo;
  impersonatedUser?: UserInfo;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  /** Absent on some events (e.g. panics); the original crashed on it (spec Appendix A.5). */
  responseStatus?: ResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  annotations?: Record<string, string>;
}

export interface EventList {
  kind: 'EventList';
  apiVersion: string;
  items: AuditEvent[];
}

/** One audit event as the webhook received it (kelemetrix sees every one, before any filtering). */
export interface ReceivedAuditEvent {
  cluster: string;
  /** The apiserver's address (the webhook client, or X-Forwarded-For when trusted). */
  sourceAddr: string;
  event: AuditEvent;
  /** When the webhook accepted the batch (ms since epoch). */
  receivedAtMs: number;
}

/**
 * The object an audit event is about, resolved once at the webhook (object.ts) and carried with the
 * queued message: its key, and what the consumer and decorators read besides.
 */
export interface AuditObject extends VersionedKey {
  uid?: string;
  /** objectRef.subresource; '' for the object itself. */
  subresource: string;
  /** objectRef.resourceVersion as sent: the version the request was made against ('' if none). */
  requestResourceVersion: string;
}

/** One accepted event on its way to the consumer. */
export interface AuditMessage extends ReceivedAuditEvent {
  /** Undefined when the event is not about one object (the consumer drops it as `noObject`). */
  object: AuditObject | undefined;
}
