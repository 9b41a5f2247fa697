/** Decoding and validating webhook bodies: anything that is not an audit EventList is refused (400). */
import type { AuditEvent, EventList } from './types.ts';

export class BadAuditBody extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadAuditBody';
  }
}

const acceptedApiVersions = new Set(['audit.k8s.io/v1']);

export function parseEventList(body: Buffer): EventList {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new BadAuditBody(`body is not valid JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new BadAuditBody('body must be a JSON object (an audit.k8s.io/v1 EventList)');
  const { kind, apiVersion, items } = doc as Record<string, unknown>;
  if (kind !== 'EventList') throw new BadAuditBody(`kind must be "EventList", got ${JSON.stringify(kind ?? null)}`);
  if (typeof apiVersion !== 'string' || !acceptedApiVersions.has(apiVersion)) {
    throw new BadAuditBody(`apiVersion must be "audit.k8s.io/v1", got ${JSON.stringify(apiVersion ?? null)}`);
  }
  // An empty list is `"items": null` or absent when Go marshals it.
  if (items !== undefined && items !== null && !Array.isArray(items)) throw new BadAuditBody('items must be an array');
  const list = (items ?? []) as unknown[];
  list.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new BadAuditBody(`items[${i}] must be an object`);
    const e = item as Record<string, unknown>;
    for (const field of ['auditID', 'stage', 'verb'] as const) {
      if (typeof e[field] !== 'string') throw new BadAuditBody(`items[${i}].${field} must be a string`);
    }
    if (e.objectRef !== undefined && e.objectRef !== null && typeof e.objectRef !== 'object') throw new BadAuditBody(`items[${i}].objectRef must be an object`);
  });
  return { kind: 'EventList', apiVersion, items: list as AuditEvent[] };
}
