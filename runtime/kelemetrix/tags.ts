/**
 * Tag providers (spec 9.1): one string per audit message. A provider that cannot compute its tag
 * yields the original's error markers, so the series still exists and the problem is visible.
 */
import type { ReceivedAuditEvent } from '../audit/types.ts';
import type { TagName } from '../model/kelemetrixNames.ts';
import { UriParseError, requestQuery } from './requestUri.ts';

export const ERR_URI_PARSE = 'kelemetrix::ErrUriParse';
export const ERR_UNKNOWN = 'kelemetrix::ErrUnknown';

type TagProvider = (msg: ReceivedAuditEvent) => string;

function username(msg: ReceivedAuditEvent): string {
  const e = msg.event;
  const name = e.impersonatedUser?.username || e.user?.username || '';
  // One series per kubelet would make the label unbounded; all nodes collapse into one value.
  return name.startsWith('system:node:') ? 'system:node' : name;
}

function resourceVersion(msg: ReceivedAuditEvent): string {
  const rv = requestQuery(msg.event.requestURI).get('resourceVersion');
  if (rv === null || rv === '') return 'Empty';
  return rv === '0' ? 'Zero' : 'NonZero';
}

function hasSelector(msg: ReceivedAuditEvent): string {
  const q = requestQuery(msg.event.requestURI);
  return String(q.has('labelSelector') || q.has('fieldSelector'));
}

function groupResource(msg: ReceivedAuditEvent): string {
  const ref = msg.event.objectRef;
  if (!ref?.resource) return '';
  return ref.apiGroup ? `${ref.resource}.${ref.apiGroup}` : ref.resource;
}

export const tagProviders: Record<TagName, TagProvider> = {
  cluster: (m) => m.cluster,
  apiserverAddr: (m) => m.sourceAddr,
  username,
  clientAddr: (m) => m.event.sourceIPs?.[0] ?? '',
  verb: (m) => m.event.verb ?? '',
  code: (m) => (m.event.responseStatus?.code === undefined ? '' : String(m.event.responseStatus.code)),
  errorReason: (m) => m.event.responseStatus?.reason ?? '',
  resourceVersion,
  hasSelector,
  group: (m) => m.event.objectRef?.apiGroup ?? '',
  version: (m) => m.event.objectRef?.apiVersion ?? '',
  resource: (m) => m.event.objectRef?.resource ?? '',
  groupResource,
  subresource: (m) => m.event.objectRef?.subresource ?? '',
  namespace: (m) => m.event.objectRef?.namespace ?? '',
  name: (m) => m.event.objectRef?.name ?? '',
};

/** The tag value, or an error marker (and the error, for counting) when it cannot be computed. */
export function computeTag(tag: TagName, msg: ReceivedAuditEvent): { value: string; error?: Error } {
  try {
    return { value: tagProviders[tag](msg) };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    return { value: err instanceof UriParseError ? ERR_URI_PARSE : ERR_UNKNOWN, error };
  }
}
