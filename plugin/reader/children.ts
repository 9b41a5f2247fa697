/**
 * Fetching an object's children in one storage call instead of one call per child. Every child's
 * window trace holds a link span naming its parent (`linkRole=parent`), so one search on those link
 * tags finds all the children's traces at once; each child then keeps the traces that a search for
 * that child alone would have returned (see `Reader.listObject`). A Deployment with 10 ReplicaSets of
 * 20 Pods is 11 searches this way, against 2 per object (422) one by one.
 */
import { LinkRole, realTraceSources, TraceSource } from '../../runtime/model/constants.ts';
import { keyString, linkedTags, type ObjectKey } from '../../runtime/model/objectKey.ts';
import type { Backend, Thumbnail } from '../backend/types.ts';
import { objectKeyOf } from './objects.ts';

export interface Range {
  startUs: number;
  endUs: number;
  /** Start of the span window holding `startUs`: pseudo spans are searched over whole windows. */
  windowStartUs: number;
}

const real: readonly string[] = realTraceSources;

/**
 * Of one object's window traces, those a search for the object alone returns: the traces with an audit
 * or Event span starting in range, or, when there are none, the traces whose object span starts in the
 * windows of the range (for their links).
 */
export function asListed(thumbs: Thumbnail[], r: Range): Thumbnail[] {
  const withEvents = thumbs.filter((t) => t.tree.all().some((s) => real.includes(s.service) && s.startUs >= r.startUs && s.startUs <= r.endUs));
  if (withEvents.length) return withEvents;
  return thumbs.filter((t) => t.tree.root.service === TraceSource.object && t.tree.root.startUs >= r.windowStartUs && t.tree.root.startUs <= r.endUs);
}

/**
 * The traces of `parent`'s children by child key string, or undefined when the search may have been cut
 * short by the backend's limit (the caller then fetches the children one by one).
 */
export async function listChildren(backend: Backend, parent: ObjectKey, r: Range, signal: AbortSignal): Promise<Map<string, Thumbnail[]> | undefined> {
  const limit = backend.searchLimit;
  const found = await backend.list({ tags: linkedTags(parent, LinkRole.parent), sources: [TraceSource.link], startUs: r.windowStartUs, endUs: r.endUs, limit, signal });
  if (found.length >= limit) return undefined;
  const byChild = new Map<string, Thumbnail[]>();
  for (const th of found) {
    const key = keyString(objectKeyOf(th.tree.root));
    const list = byChild.get(key);
    if (list) list.push(th);
    else byChild.set(key, [th]);
  }
  for (const [key, thumbs] of byChild) {
    const kept = asListed(thumbs, r);
    if (kept.length) byChild.set(key, kept);
    else byChild.delete(key);
  }
  return byChild;
}
