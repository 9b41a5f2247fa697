/**
 * Names written on spans: the wire contract between the runtime (writer) and the plugin (reader), and
 * with the original Kelemetry's tools (spec 3.4–3.6). Changing a value here breaks stored traces.
 */

/** Tags and log fields with this prefix are internal: the plugin strips them before display. */
export const internalPrefix = 'zzz-';

export const Tag = {
  cluster: 'cluster',
  group: 'group',
  version: 'version',
  resource: 'resource',
  namespace: 'namespace',
  name: 'name',
  /** Window start of a pseudo span, RFC 3339 with second precision. */
  timeStamp: 'timeStamp',
  /** Replaces the operation name when present (honoured by the plugin, not written by the runtime). */
  spanName: 'zzz-kelemetryName',
  pseudoType: 'zzz-pseudoType',
  /** Key and value on event spans: `zzz-notPseudo=zzz-notPseudo`. */
  notPseudo: 'zzz-notPseudo',
  traceSource: 'zzz-traceSource',
  // Audit spans (spec 3.5)
  auditId: 'auditId',
  username: 'username',
  userAgent: 'userAgent',
  responseCode: 'responseCode',
  resourceVersion: 'resourceVersion',
  newResourceVersion: 'newResourceVersion',
  apiserver: 'apiserver',
  verbTag: 'tag',
  sourceIP: 'sourceIP',
  proxy: 'proxy',
  informerLatency: 'informer latency',
  // Event spans (spec 3.5)
  source: 'source',
  action: 'action',
  // Link spans (spec 3.3)
  linkedCluster: 'linkedCluster',
  linkedGroup: 'linkedGroup',
  linkedResource: 'linkedResource',
  linkedNamespace: 'linkedNamespace',
  linkedName: 'linkedName',
  linkRole: 'linkRole',
  linkClass: 'linkClass',
} as const;

/** Values of `zzz-pseudoType`. `linkClass` and `groupByTraceSource` are synthesized by the plugin only. */
export const PseudoType = {
  object: 'object',
  link: 'link',
  linkClass: 'linkClass',
  groupByTraceSource: 'groupByTraceSource',
} as const;
export type PseudoType = (typeof PseudoType)[keyof typeof PseudoType];

/** Values of `zzz-traceSource`; also the OTel service name of the span. */
export const TraceSource = {
  object: 'object',
  link: 'link',
  audit: 'audit',
  event: 'event',
} as const;
export type TraceSource = (typeof TraceSource)[keyof typeof TraceSource];

/** Trace sources queried for pseudo spans, and for real spans (in this order). */
export const pseudoTraceSources = ['object'] as const;
export const realTraceSources = ['audit', 'event'] as const;

/** The log classification attribute and its values (spec 3.4). */
export const logTypeAttr = 'zzz-logType';
export const LogType = {
  realError: 'realError',
  realVerbose: 'realVerbose',
  kelemetryError: 'kelemetryError',
  objectSnapshot: 'audit/objectSnapshot',
  objectDiff: 'audit/objectDiff',
  eventMessage: 'event/message',
} as const;
export type LogType = (typeof LogType)[keyof typeof LogType];

export const LinkRole = { parent: 'parent', child: 'child' } as const;
export type LinkRole = (typeof LinkRole)[keyof typeof LinkRole];

export function reverseLinkRole(role: string): string {
  if (role === LinkRole.parent) return LinkRole.child;
  if (role === LinkRole.child) return LinkRole.parent;
  return role;
}

/** Duration of instantaneous spans, and of log "ticks" in duration compaction. */
export const dummyDurationMs = 1000;

/** The annotation through which an object names its parent (may be in another namespace or cluster). */
export const parentLinkAnnotation = 'kelemetry.kubewharf.io/parent-link';
