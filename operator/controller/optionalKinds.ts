/**
 * Owned kinds whose CRD may not be installed (the Prometheus Operator's ServiceMonitor and PodMonitor).
 * An informer on a kind the API server does not serve would fail its LIST forever and never sync, so
 * these are watched only while discovery lists them: a loop asks `/apis/<group>/<version>` every
 * `intervalMs`, starts an informer for a kind that appeared (and, once it has synced, re-queues every
 * instance, as some may be waiting for it) and stops the informer of a kind that went away.
 */
import type { Gauge } from 'prom-client';
import { isNotFound } from '../../runtime/k8s/errors.ts';
import type { Informer } from '../../runtime/k8s/informer.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import type { Logger } from '../../runtime/util/log.ts';
import { sleep } from '../../runtime/util/sleep.ts';
import type { K8sObject } from './apply.ts';
import type { ResourceType } from './resources.ts';

export type Cache = Pick<Informer<K8sObject>, 'get' | 'list'>;
const EMPTY: Cache = { get: () => undefined, list: () => [] };

export interface OptionalKindsOptions {
  rest: KubeRest;
  kinds: ResourceType[];
  newInformer(r: ResourceType): Informer<K8sObject>;
  /** Called when a kind's informer has synced: instances waiting for the kind can be reconciled. */
  onAvailable(r: ResourceType): void;
  logger: Logger;
  /** 1 per kind while it is served and watched. */
  served: Gauge<'kind'>;
  intervalMs?: number;
}

export class OptionalKinds {
  private readonly informers = new Map<string, Informer<K8sObject>>();

  constructor(private readonly opts: OptionalKindsOptions) {}

  /** Checks discovery until `signal` aborts, then stops every informer. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.check();
      await sleep(this.opts.intervalMs ?? 30_000, signal);
    }
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    this.informers.clear();
  }

  /** One discovery pass: start informers of kinds now served, stop those of kinds no longer served. */
  async check(): Promise<void> {
    for (const [groupVersion, kinds] of groupByVersion(this.opts.kinds)) {
      const served = await this.servedResources(groupVersion);
      if (!served) continue;
      for (const r of kinds) {
        const informer = this.informers.get(r.kind);
        if (served.has(r.resource) && !informer) this.start(r);
        else if (!served.has(r.resource) && informer) {
          this.opts.logger.info('kind no longer served; stopping its watch', { kind: r.kind });
          this.informers.delete(r.kind);
          this.opts.served.set({ kind: r.kind }, 0);
          await informer.stop();
        }
      }
    }
  }

  /** True once the kind is served and its cache has synced. */
  available(r: ResourceType): boolean {
    return this.informers.get(r.kind)?.hasSynced() ?? false;
  }

  /** The kind's cache; empty while the kind is not served. */
  cache(r: ResourceType): Cache {
    return this.informers.get(r.kind) ?? EMPTY;
  }

  private start(r: ResourceType): void {
    this.opts.logger.info('kind is served; watching it', { kind: r.kind });
    const informer = this.opts.newInformer(r);
    this.informers.set(r.kind, informer);
    informer.start();
    void informer.waitForSync().then((synced) => {
      if (!synced || this.informers.get(r.kind) !== informer) return;
      this.opts.served.set({ kind: r.kind }, 1);
      this.opts.onAvailable(r);
    });
  }

  /** The resource names a group-version serves; empty when it is not served, undefined when discovery failed. */
  private async servedResources(groupVersion: string): Promise<Set<string> | undefined> {
    try {
      const list = await this.opts.rest.get<{ resources?: { name: string }[] }>(`/apis/${groupVersion}`);
      return new Set((list.resources ?? []).map((x) => x.name));
    } catch (err) {
      if (isNotFound(err)) return new Set();
      this.opts.logger.warn('discovery of optional kinds failed; keeping their watches as they are', { groupVersion, err });
      return undefined;
    }
  }
}

function groupByVersion(kinds: ResourceType[]): Map<string, ResourceType[]> {
  const out = new Map<string, ResourceType[]>();
  for (const r of kinds) out.set(r.apiVersion, [...(out.get(r.apiVersion) ?? []), r]);
  return out;
}
