/**
 * What the diff controller keeps out of the cache.
 *  - Objects labelled `kelemetry.kubewharf.io/diff-redacted` or matching the redaction pattern
 *    (`group/version/resource/namespace/name`): patches carry only the resourceVersion change, snapshots
 *    only identity and ownership metadata (what linkers need).
 *  - Secrets, always: every value of `data` / `stringData` (and kubectl's last-applied annotation, which
 *    repeats them) is replaced, *as soon as the object is read from the watch*, by a keyed hash that
 *    never leaves the process; diffs then show only which keys changed, snapshots only the key names.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { DiffControllerConfig } from '../config/sections/informers.ts';
import { parentLinkAnnotation } from '../model/constants.ts';
import type { GroupVersionResource } from '../k8s/gvr.ts';
import type { DiffEntry } from './compare.ts';

export const redactedLabel = 'kelemetry.kubewharf.io/diff-redacted';
export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
/** Shown for a secret value (snapshot, or the old side of a change). */
export const secretMarker = '<redacted>';
/** Shown on the new side of a secret value that changed. */
export const secretChangedMarker = '<redacted: changed>';

type Obj = Record<string, unknown>;
type Meta = { labels?: Record<string, string>; annotations?: Record<string, string>; managedFields?: unknown; [k: string]: unknown };

export function isSecret(gvr: Pick<GroupVersionResource, 'group' | 'resource'>): boolean {
  return gvr.group === '' && gvr.resource === 'secrets';
}

export class Redactor {
  private readonly pattern: RegExp | undefined;
  private readonly strip: boolean;
  // Per-process key: hashes are only compared within this process and never written anywhere.
  private readonly hmacKey = randomBytes(32);

  constructor(config: Partial<Pick<DiffControllerConfig, 'redactPattern' | 'stripManagedFields'>> = {}) {
    this.pattern = config.redactPattern ? new RegExp(config.redactPattern) : undefined;
    this.strip = config.stripManagedFields ?? true;
  }

  /** Redacted objects keep their contents out of the cache (label or pattern). */
  isRedacted(gvr: GroupVersionResource, obj: Obj): boolean {
    const meta = (obj.metadata ?? {}) as Meta & { namespace?: string; name?: string };
    if (meta.labels && redactedLabel in meta.labels) return true;
    if (!this.pattern) return false;
    return this.pattern.test(`${gvr.group}/${gvr.version}/${gvr.resource}/${meta.namespace ?? ''}/${meta.name ?? ''}`);
  }

  /**
   * The form the controller keeps in memory and diffs: managedFields dropped (never displayed), secret
   * values replaced by keyed hashes. Mutates and returns `obj`.
   */
  sanitize(gvr: GroupVersionResource, obj: Obj): Obj {
    const meta = obj.metadata as Meta | undefined;
    if (this.strip && meta) delete meta.managedFields;
    if (isSecret(gvr)) {
      for (const field of ['data', 'stringData']) {
        const values = obj[field];
        if (values && typeof values === 'object') {
          for (const [k, v] of Object.entries(values as Record<string, unknown>)) (values as Obj)[k] = this.hash(v);
        }
      }
      if (meta?.annotations?.[lastAppliedAnnotation] !== undefined) meta.annotations[lastAppliedAnnotation] = this.hash(meta.annotations[lastAppliedAnnotation]);
    }
    return obj;
  }

  private hash(v: unknown): string {
    return 'hmac:' + createHmac('sha256', this.hmacKey).update(JSON.stringify(v ?? null)).digest('base64').slice(0, 22);
  }
}

function isSecretValuePath(path: string): boolean {
  return /^(data|stringData)([.[]|$)/.test(path) || path.startsWith(`metadata.annotations["${lastAppliedAnnotation}"]`);
}

function markValues(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  if (typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.keys(v as Obj).map((k) => [k, secretMarker]));
  return secretMarker;
}

/** Secret diffs: values become markers, so only keys and "changed" remain. */
export function maskSecretDiffs(diffs: DiffEntry[]): DiffEntry[] {
  return diffs.map((d) => {
    if (!isSecretValuePath(d.jsonPath)) return d;
    const out: DiffEntry = { jsonPath: d.jsonPath };
    if (d.old !== undefined) out.old = markValues(d.old);
    if (d.new !== undefined) out.new = d.old !== undefined && typeof d.new !== 'object' ? secretChangedMarker : markValues(d.new);
    return out;
  });
}

/** Secret snapshots: key names only. */
export function maskSecretSnapshot(obj: Obj): Obj {
  const out: Obj = { ...obj };
  for (const field of ['data', 'stringData']) if (out[field] && typeof out[field] === 'object') out[field] = markValues(out[field]);
  const meta = out.metadata as Meta | undefined;
  if (meta?.annotations?.[lastAppliedAnnotation] !== undefined) out.metadata = { ...meta, annotations: { ...meta.annotations, [lastAppliedAnnotation]: secretMarker } };
  return out;
}

/** What a redacted snapshot keeps: enough for owner / parent-link lookups, nothing else. */
export function identityOnly(obj: Obj): Obj {
  const meta = (obj.metadata ?? {}) as Meta;
  const kept: Meta = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'ownerReferences']) if (meta[k] !== undefined) kept[k] = meta[k];
  if (meta.annotations?.[parentLinkAnnotation] !== undefined) kept.annotations = { [parentLinkAnnotation]: meta.annotations[parentLinkAnnotation] };
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: kept };
}
