/**
 * Store layout shared by the etcd and Redis caches (spec 7.5, 13.2):
 *   <prefix><cluster>/<group>/<resource>/<namespace>/<name>/newRv/<rv>   (or /oldRv/<rv>)
 *   <prefix><cluster>/<group>/<resource>/<namespace>/<name>/creation | /deletion
 *   <prefix>_meta/listedSince/<cluster>   (`_` is never in a cluster name, so no object key starts so)
 */
import { keyString, type ObjectKey } from '../../model/objectKey.ts';
import type { RvIndex, SnapshotName } from '../types.ts';

export function objectPrefix(prefix: string, key: ObjectKey): string {
  return `${prefix}${keyString(key)}/`;
}
export function patchKey(prefix: string, key: ObjectKey, index: RvIndex): string {
  return `${objectPrefix(prefix, key)}${index.kind}/${index.rv}`;
}
export function snapshotKey(prefix: string, key: ObjectKey, name: SnapshotName): string {
  return `${objectPrefix(prefix, key)}${name}`;
}
export function listedSinceKey(prefix: string, cluster: string): string {
  return `${prefix}_meta/listedSince/${cluster}`;
}
/** The marker's value: RFC 3339, readable in the store. */
export function encodeListedSince(ms: number): string {
  return new Date(ms).toISOString();
}
export function decodeListedSince(v: string | undefined): number | undefined {
  const ms = v === undefined ? NaN : Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}
/** The last path segment, as the original's List returns it. */
export function lastSegment(fullKey: string): string {
  return fullKey.slice(fullKey.lastIndexOf('/') + 1);
}
