/**
 * Discovery cache of one cluster (spec 7.1): preferred version of every API group, its resources, and
 * the GVR↔GVK maps. Refreshed periodically and on a lookup miss (concurrent refreshes coalesce); a
 * failed refresh keeps the old data. Listeners hear about changes of the resource set.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../util/log.ts';
import type { KubeClients } from './clients.ts';
import { gvrString, type GroupVersionKind, type GroupVersionResource } from './gvr.ts';
import { counter, histogram } from '../metrics/define.ts';
import type { KubeRest } from './rest.ts';

export interface ApiResourceInfo extends GroupVersionResource {
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

interface Snapshot {
  resources: Map<string, ApiResourceInfo>; // gvrString → info
  byGvk: Map<string, ApiResourceInfo>; // group/version/kind → info
  byGroupKind: Map<string, ApiResourceInfo>; // group/kind → preferred info
  byGroupResource: Map<string, ApiResourceInfo>; // group/resource → preferred info
}

interface ApiResourceList {
  groupVersion: string;
  resources: Array<{ name: string; kind: string; namespaced: boolean; verbs?: string[]; group?: string; version?: string }>;
}

const gvkString = (g: string, v: string, k: string) => `${g}/${v}/${k}`;

export class ClusterDiscovery {
  private snapshot: Snapshot | undefined;
  private inflight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly resyncs;
  private readonly misses;

  constructor(
    readonly cluster: string,
    private readonly rest: KubeRest,
    private readonly logger: Logger,
    registry: Registry,
    private readonly resyncIntervalMs = 3_600_000,
  ) {
    this.resyncs = histogram(registry, 'discovery_resync_seconds', 'Discovery refreshes by cluster and outcome.', ['cluster', 'success']);
    this.misses = counter(registry, 'discovery_lookup_error_count', 'Lookups that missed even after a refresh.', ['cluster', 'type']);
  }

  /** Starts the periodic refresh (first refresh awaited). */
  async start(): Promise<void> {
    await this.resync();
    this.timer = setInterval(() => {
      this.resync().catch((err: unknown) => this.logger.warn('discovery refresh failed; keeping previous data', { cluster: this.cluster, err }));
    }, this.resyncIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Called (no arguments) after a refresh changed the set of resources. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Refreshes now; concurrent callers share one refresh. */
  resync(): Promise<void> {
    this.inflight ??= this.doResync().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async doResync(): Promise<void> {
    const end = this.resyncs.startTimer({ cluster: this.cluster });
    try {
      const lists = await this.fetchAll();
      const next: Snapshot = { resources: new Map(), byGvk: new Map(), byGroupKind: new Map(), byGroupResource: new Map() };
      for (const { list, preferred } of lists) {
        const [g, v] = list.groupVersion.includes('/') ? list.groupVersion.split('/') : ['', list.groupVersion];
        for (const r of list.resources) {
          if (r.name.includes('/')) continue; // subresource
          const info: ApiResourceInfo = { group: r.group ?? g!, version: r.version ?? v!, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] };
          next.byGvk.set(gvkString(info.group, info.version, info.kind), info);
          if (!preferred) continue;
          next.resources.set(gvrString(info), info);
          next.byGroupKind.set(`${info.group}/${info.kind}`, info);
          next.byGroupResource.set(`${info.group}/${info.resource}`, info);
        }
      }
      const changed = !this.snapshot || !sameKeys(this.snapshot.resources, next.resources);
      this.snapshot = next;
      end({ success: 'true' });
      if (changed) for (const l of this.listeners) l();
    } catch (err) {
      end({ success: 'false' });
      throw new Error(`cluster ${this.cluster}: discovery failed: ${(err as Error).message}`, { cause: err });
    }
  }

  private async fetchAll(): Promise<Array<{ list: ApiResourceList; preferred: boolean }>> {
    const core = await this.rest.request<{ versions: string[] }>({ path: '/api' });
    const groups = await this.rest.request<{ groups: Array<{ name: string; versions: Array<{ groupVersion: string }>; preferredVersion?: { groupVersion: string } }> }>({ path: '/apis' });
    const targets: Array<{ path: string; preferred: boolean }> = core.versions.map((v, i) => ({ path: `/api/${v}`, preferred: i === 0 }));
    for (const g of groups.groups) {
      const preferred = g.preferredVersion?.groupVersion ?? g.versions[0]?.groupVersion;
      for (const v of g.versions) targets.push({ path: `/apis/${v.groupVersion}`, preferred: v.groupVersion === preferred });
    }
    const results = await Promise.allSettled(targets.map(async (t) => ({ list: await this.rest.request<ApiResourceList>({ path: t.path }), preferred: t.preferred })));
    const ok: Array<{ list: ApiResourceList; preferred: boolean }> = [];
    results.forEach((r, i) => {
      // An unavailable aggregated API (e.g. metrics-server down) must not hide every other group.
      if (r.status === 'fulfilled') ok.push(r.value);
      else this.logger.warn('discovery of one group version failed', { cluster: this.cluster, path: targets[i]!.path, err: r.reason });
    });
    return ok;
  }

  /** All preferred-version resources (refreshing first if never loaded). */
  async resources(): Promise<ApiResourceInfo[]> {
    if (!this.snapshot) await this.resync();
    return [...this.snapshot!.resources.values()];
  }

  private findGvk(gvk: GroupVersionKind): ApiResourceInfo | undefined {
    const s = this.snapshot;
    if (!s) return undefined;
    const version = gvk.group === '' && gvk.version === '' ? 'v1' : gvk.version;
    return s.byGvk.get(gvkString(gvk.group, version, gvk.kind)) ?? s.byGroupKind.get(`${gvk.group}/${gvk.kind}`);
  }

  /** GVK → resource info; a miss refreshes once. Undefined when still unknown. */
  async lookupKind(gvk: GroupVersionKind): Promise<ApiResourceInfo | undefined> {
    let hit = this.findGvk(gvk);
    if (hit) return hit.version === gvk.version || !gvk.version ? hit : { ...hit, version: gvk.version };
    await this.resync().catch((err: unknown) => this.logger.warn('discovery refresh on miss failed', { cluster: this.cluster, err }));
    hit = this.findGvk(gvk);
    if (!hit) this.misses.inc({ cluster: this.cluster, type: 'kind' });
    return hit;
  }

  /** group/resource → preferred resource info; a miss refreshes once. */
  async lookupResource(group: string, resource: string): Promise<ApiResourceInfo | undefined> {
    let hit = this.snapshot?.byGroupResource.get(`${group}/${resource}`);
    if (hit) return hit;
    await this.resync().catch((err: unknown) => this.logger.warn('discovery refresh on miss failed', { cluster: this.cluster, err }));
    hit = this.snapshot?.byGroupResource.get(`${group}/${resource}`);
    if (!hit) this.misses.inc({ cluster: this.cluster, type: 'resource' });
    return hit;
  }
}

function sameKeys(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a.keys()) if (!b.has(k)) return false;
  return true;
}

/** One discovery cache per configured cluster, created lazily. */
export class Discovery {
  private readonly byCluster = new Map<string, ClusterDiscovery>();

  constructor(
    private readonly clients: KubeClients,
    private readonly logger: Logger,
    private readonly registry: Registry,
    private readonly resyncIntervalMs = 3_600_000,
  ) {}

  for(cluster: string): ClusterDiscovery {
    let d = this.byCluster.get(cluster);
    if (!d) {
      d = new ClusterDiscovery(cluster, this.clients.get(cluster).rest, this.logger.child({ component: 'discovery' }), this.registry, this.resyncIntervalMs);
      this.byCluster.set(cluster, d);
      d.start().catch((err: unknown) => this.logger.warn('initial discovery failed; will retry on lookup', { cluster, err }));
    }
    return d;
  }

  stop(): void {
    for (const d of this.byCluster.values()) d.stop();
  }
}

