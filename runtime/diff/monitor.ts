/**
 * One watched resource of one cluster (spec 7.2 "monitor"): keeps the last seen form of every object
 * (sanitized JSON text, which is several times smaller than the parsed object) and turns the watch into
 * creation snapshots, patches and deletion snapshots. The last seen forms outlive watch restarts, so a
 * relist diffs against them; after an apiserver restart the watch resumes from the oldest change the
 * apiserver still has (ListWatch onRelistFrom), and changes made since it came back get one diff each.
 */
import type { Registry } from 'prom-client';
import type { DiffControllerConfig } from '../config/sections/informers.ts';
import type { ApiResourceInfo } from '../k8s/discovery.ts';
import { gvrString, resourcePath } from '../k8s/gvr.ts';
import { ListWatch, numericRv, type KubeObject } from '../k8s/listWatch.ts';
import { counter } from '../metrics/define.ts';
import type { KubeRest } from '../k8s/rest.ts';
import type { ObjectKey } from '../model/objectKey.ts';
import type { Logger } from '../util/log.ts';
import { compare } from './compare.ts';
import { identityOnly, isSecret, maskSecretDiffs, maskSecretSnapshot, type Redactor } from './redact.ts';
import type { Patch, Snapshot, SnapshotName } from './types.ts';

export interface MonitorSink {
  patch(key: ObjectKey, patch: Patch): Promise<void>;
  snapshot(key: ObjectKey, name: SnapshotName, snapshot: Snapshot): Promise<void>;
}

type Meta = { name?: string; namespace?: string; resourceVersion?: string; deletionTimestamp?: string };

/** The key of an object among the last seen forms: namespace/name. */
function idOf(obj: KubeObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

export interface MonitorDeps {
  cluster: string;
  /** The resource watched. */
  info: ApiResourceInfo;
  rest: KubeRest;
  redactor: Redactor;
  sink: MonitorSink;
  logger: Logger;
  registry: Registry;
}

export class Monitor {
  private readonly info: ApiResourceInfo;
  private readonly cluster: string;
  private readonly redactor: Redactor;
  private readonly sink: MonitorSink;
  private readonly objects = new Map<string, string>();
  /**
   * Objects missing from a resuming relist (onRelistFrom), with its resourceVersion: deleted at or before
   * it, maybe after the resume point, when the watch still delivers their changes and their DELETED. Those
   * the watch has not deleted by the time it passes that resourceVersion are deleted then.
   */
  private readonly gone = new Map<string, bigint>();
  private readonly lw: ListWatch;
  private readonly onUpdate;
  private readonly onDelete;
  private readonly onCreate;
  private readonly labels;

  constructor(config: Pick<DiffControllerConfig, 'listPageSize'>, deps: MonitorDeps) {
    const { cluster, info, registry } = deps;
    this.info = info;
    this.cluster = cluster;
    this.redactor = deps.redactor;
    this.sink = deps.sink;
    this.labels = { cluster, apiGroup: info.group ? `${info.group}/${info.version}` : info.version, resource: info.resource };
    this.onUpdate = counter(registry, 'diff_controller_on_update_count', 'Watch updates turned into patches.', ['cluster', 'apiGroup', 'resource']);
    this.onDelete = counter(registry, 'diff_controller_on_delete_count', 'Deletion snapshots taken.', ['cluster', 'apiGroup', 'resource']);
    this.onCreate = counter(registry, 'diff_controller_on_create_count', 'Creation snapshots taken.', ['cluster', 'apiGroup', 'resource']);
    this.lw = new ListWatch(
      { rest: deps.rest, path: resourcePath(info), name: gvrString(info), component: 'diff-controller', logger: deps.logger, registry, pageSize: config.listPageSize },
      {
        onList: (items, _rv, initial) => this.handleList(items, initial),
        onRelistFrom: (items, rv, from) => this.handleRelistFrom(items, rv, from),
        onEvent: (type, obj) => this.handleEvent(type, obj),
        onBookmark: (rv) => this.deleteGone(rv),
      },
    );
  }

  /** Whether the first list has been taken: until then changes have no baseline to diff against. */
  synced = false;

  /** RBAC refuses this resource (see ListWatch.forbidden): it cannot be listed, so it does not hold readiness. */
  get forbidden(): boolean {
    return this.lw.forbidden;
  }

  /** Objects currently tracked (for the RSS-per-object figure). */
  get size(): number {
    return this.objects.size;
  }

  start(): void {
    this.lw.start();
  }

  async stop(): Promise<void> {
    await this.lw.stop();
    this.objects.clear();
  }

  private keyOf(meta: Meta): ObjectKey {
    return { cluster: this.cluster, group: this.info.group, resource: this.info.resource, namespace: meta.namespace ?? '', name: meta.name ?? '' };
  }

  private async handleList(items: KubeObject[], initial: boolean): Promise<void> {
    this.gone.clear();
    const seen = new Set<string>();
    for (const raw of items) {
      const obj = this.redactor.sanitize(this.info, raw);
      const id = idOf(obj);
      seen.add(id);
      // The first list is the baseline: no creation snapshots for objects that already existed.
      if (initial) this.objects.set(id, JSON.stringify(obj));
      else await this.observe(id, obj);
    }
    for (const id of this.objects.keys()) if (!seen.has(id)) await this.forget(id);
    this.synced = true;
  }

  /**
   * A relist whose watch resumes from `from` (see ListWatch.onRelistFrom): objects changed after `from` keep
   * their last seen form, the watch replays their changes; the rest is reconciled as by a relist.
   */
  private async handleRelistFrom(items: KubeObject[], listRv: string, from: string): Promise<void> {
    const resumeAt = BigInt(from);
    const seen = new Set<string>();
    for (const raw of items) {
      const id = idOf(raw);
      seen.add(id);
      const rv = numericRv(raw.metadata?.resourceVersion);
      if (rv !== undefined && rv > resumeAt) continue;
      await this.observe(id, this.redactor.sanitize(this.info, raw));
    }
    const listed = BigInt(listRv);
    for (const id of this.objects.keys()) if (!seen.has(id)) this.gone.set(id, listed);
    this.synced = true;
  }

  private async handleEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', raw: KubeObject): Promise<void> {
    const obj = this.redactor.sanitize(this.info, raw);
    const meta = (obj.metadata ?? {}) as Meta;
    const id = idOf(obj);
    if (type === 'DELETED') {
      this.objects.delete(id);
      this.gone.delete(id);
      await this.deletion(obj);
    } else await this.observe(id, obj);
    if (meta.resourceVersion) await this.deleteGone(meta.resourceVersion);
  }

  /** The watch has passed `rv`: objects missing from a resuming relist at or before it are deleted. */
  private async deleteGone(rv: string): Promise<void> {
    const at = numericRv(rv);
    if (at === undefined || this.gone.size === 0) return;
    for (const [id, listed] of this.gone) {
      if (listed > at) continue;
      this.gone.delete(id);
      await this.forget(id);
    }
  }

  /** Records `obj` as the last seen form of `id`: a creation snapshot, or a patch against the form before. */
  private async observe(id: string, obj: KubeObject): Promise<void> {
    const prev = this.objects.get(id);
    this.objects.set(id, JSON.stringify(obj));
    if (prev === undefined) await this.creation(obj);
    else await this.update(JSON.parse(prev) as KubeObject, obj);
  }

  /** An object gone without a DELETED event (missed during a relist): a deletion snapshot of its last seen form. */
  private async forget(id: string): Promise<void> {
    const prev = this.objects.get(id);
    if (prev === undefined) return;
    this.objects.delete(id);
    await this.deletion(JSON.parse(prev) as KubeObject);
  }

  private snapshotOf(obj: KubeObject): Snapshot {
    const meta = (obj.metadata ?? {}) as Meta;
    if (this.redactor.isRedacted(this.info, obj)) return { ResourceVersion: meta.resourceVersion ?? '', Redacted: true, Value: identityOnly(obj) };
    return { ResourceVersion: meta.resourceVersion ?? '', Value: isSecret(this.info) ? maskSecretSnapshot(obj) : obj };
  }

  private async creation(obj: KubeObject): Promise<void> {
    this.onCreate.inc(this.labels);
    await this.sink.snapshot(this.keyOf(obj.metadata as Meta), 'creation', this.snapshotOf(obj));
  }

  private async deletion(obj: KubeObject): Promise<void> {
    this.onDelete.inc(this.labels);
    await this.sink.snapshot(this.keyOf(obj.metadata as Meta), 'deletion', this.snapshotOf(obj));
  }

  private async update(old: KubeObject, cur: KubeObject): Promise<void> {
    const oldMeta = (old.metadata ?? {}) as Meta;
    const meta = (cur.metadata ?? {}) as Meta;
    const oldRv = oldMeta.resourceVersion ?? '';
    const newRv = meta.resourceVersion ?? '';
    if (oldRv === newRv) return;
    this.onUpdate.inc(this.labels);
    const key = this.keyOf(meta);
    const redacted = this.redactor.isRedacted(this.info, cur) || this.redactor.isRedacted(this.info, old);
    const patch: Patch = {
      InformerTime: new Date().toISOString(),
      OldResourceVersion: oldRv,
      NewResourceVersion: newRv,
      DiffList: redacted ? { diffs: [{ jsonPath: 'metadata.resourceVersion', old: oldRv, new: newRv }] } : compare(old, cur),
    };
    if (redacted) patch.Redacted = true;
    else if (isSecret(this.info)) patch.DiffList.diffs = maskSecretDiffs(patch.DiffList.diffs);
    await this.sink.patch(key, patch);
    // A delete with finalizers or a grace period only sets deletionTimestamp; the audit `delete` event is
    // about that moment, so store the deletion snapshot now (the original discarded it) — the final
    // watch DELETE overwrites it later.
    if (meta.deletionTimestamp && !oldMeta.deletionTimestamp) await this.deletion(cur);
  }
}
