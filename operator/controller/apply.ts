/**
 * Deciding whether an object needs a server-side apply. Steady state must make no writes, so an object
 * is applied only when (a) what we render changed — the hash of the rendered object differs from the
 * hash annotation on the live copy — or (b) someone changed a field we set (drift): the rendered fields
 * are no longer a subset of the live object. Server-side apply then restores our fields and, because
 * the field manager owns exactly what we rendered, drops fields we stopped rendering.
 */
import { createHash } from 'node:crypto';
import { APPLIED_HASH_ANNOTATION } from '../../manifests/naming.ts';

type Json = unknown;
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { uid: string; controller?: boolean }[]; resourceVersion?: string; deletionTimestamp?: string };
  [k: string]: Json;
}

export function objectHash(obj: unknown): string {
  return createHash('sha256').update(JSON.stringify(obj)).digest('hex').slice(0, 20);
}

export function withAppliedHash(obj: K8sObject): K8sObject {
  const hash = objectHash(obj);
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...(obj.metadata.annotations ?? {}), [APPLIED_HASH_ANNOTATION]: hash } } };
}

const isEmpty = (v: Json) => (Array.isArray(v) && v.length === 0) || (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);

/** True when every field of `want` is present with the same value in `have` (extra fields in `have` are fine). */
export function isSubset(want: Json, have: Json): boolean {
  if (want === have) return true;
  if (have === undefined || have === null) return isEmpty(want);
  if (typeof want === 'number' || typeof want === 'string' || typeof want === 'boolean') {
    // The API server may store an int-or-string as the other form (e.g. targetPort 8080 vs "8080").
    return String(want) === String(have);
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || want.length !== have.length) return false;
    return want.every((w, i) => isSubset(w, have[i]));
  }
  if (want && typeof want === 'object') {
    if (typeof have !== 'object' || Array.isArray(have)) return false;
    const h = have as Record<string, Json>;
    return Object.entries(want as Record<string, Json>).every(([k, v]) => isSubset(v, h[k]));
  }
  return false;
}

export function needsApply(desired: K8sObject, live: K8sObject | undefined): 'create' | 'changed' | 'drift' | undefined {
  if (!live) return 'create';
  const want = desired.metadata.annotations?.[APPLIED_HASH_ANNOTATION];
  if (live.metadata.annotations?.[APPLIED_HASH_ANNOTATION] !== want) return 'changed';
  // Items of a LIST carry no apiVersion/kind (watch events do): compare everything else.
  const { apiVersion: _v, kind: _k, ...rest } = desired;
  return isSubset(rest, live) ? undefined : 'drift';
}
