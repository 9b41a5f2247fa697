/**
 * Store layout shared by the etcd and Redis caches (spec 7.5, 13.2):
 *   <prefix><cluster>/<group>/<resource>/<namespace>/<name>/newRv/<rv>   (or /oldRv/<rv>)
 *   <prefix><cluster>/<group>/<resource>/<namespace>/<name>/creation | /deletion
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
/** The last path segment, as the original's List returns it. */
export function lastSegment(fullKey: string): string {
  return fullKey.slice(fullKey.lastIndexOf('/') + 1);
}
