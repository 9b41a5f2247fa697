/**
 * objectRef inference (spec 5.5 step 5) for events whose objectRef lacks the resource (or is absent): the
 * response object's apiVersion and kind are mapped to a resource through the cluster's discovery, and its
 * metadata gives namespace, name and uid. As in the original, the request's resourceVersion and the
 * subresource stay empty: the response is the object itself.
 */
import type { ApiResourceInfo } from '../k8s/discovery.ts';
import { parseApiVersion, type GroupVersionKind } from '../k8s/gvr.ts';
import type { Logger } from '../util/log.ts';
import { responseMeta } from './object.ts';
import type { AuditMessage, AuditObject } from './types.ts';

export type ObjectInference = (msg: AuditMessage) => Promise<AuditObject | undefined>;

/** The part of Discovery (runtime/k8s/discovery.ts) inference uses. */
export interface KindLookup {
  for(cluster: string): { lookupKind(gvk: GroupVersionKind): Promise<ApiResourceInfo | undefined> };
}

export function discoveryInference(discovery: KindLookup, logger: Logger): ObjectInference {
  return async ({ cluster, event }) => {
    if (event.objectRef?.resource) return undefined;
    const meta = responseMeta(event);
    const { apiVersion, kind } = meta ?? {};
    const name = meta?.metadata?.name;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || kind === 'Status' || typeof name !== 'string' || !name) return undefined;
    const { group, version } = parseApiVersion(apiVersion);
    let info;
    try {
      info = await discovery.for(cluster).lookupKind({ group, version, kind });
    } catch (err) {
      logger.debug('objectRef inference: discovery failed', { cluster, auditId: event.auditID, apiVersion, kind, err });
      return undefined;
    }
    if (!info) {
      logger.debug('objectRef inference: kind unknown to discovery', { cluster, auditId: event.auditID, apiVersion, kind });
      return undefined;
    }
    const namespace = meta?.metadata?.namespace;
    const uid = meta?.metadata?.uid;
    return {
      cluster,
      group: info.group,
      version: info.version,
      resource: info.resource,
      namespace: info.namespaced && typeof namespace === 'string' ? namespace : '',
      name,
      ...(typeof uid === 'string' && uid ? { uid } : {}),
      subresource: '',
      requestResourceVersion: '',
    };
  };
}
