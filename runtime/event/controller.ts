/**
 * The event controller (spec 6): per traced cluster, while leader (Lease in that cluster), list-watch
 * core/v1 Events and write one event span per occurrence under the involved object's trace. Progress
 * lives in a ConfigMap (progress.ts) so a hand-over neither replays nor loses events: a stopping leader
 * finishes the events it started, saves progress, then releases the Lease.
 */
import type { Registry } from 'prom-client';
import type { Aggregator, RichObject } from '../aggregator/types.ts';
import type { EventControllerConfig } from '../config/sections/informers.ts';
import type { KubeClients } from '../k8s/clients.ts';
import type { Discovery } from '../k8s/discovery.ts';
import { groupResourceString, parseApiVersion } from '../k8s/gvr.ts';
import { ListWatch, sleep, type KubeObject } from '../k8s/listWatch.ts';
import { MultiLeaderElector } from '../k8s/multiLeader.ts';
import { counter, gauge, histogram } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';
import { eventSpan, eventTime, occurrenceKey, type CoreEvent } from './handle.ts';
import { Progress } from './progress.ts';

export interface EventControllerDeps {
  config: EventControllerConfig;
  clusters: string[];
  clients: KubeClients;
  discovery: Discovery;
  aggregator: Aggregator;
  logger: Logger;
  registry: Registry;
  identity?: string;
}

export class EventController {
  private readonly electors: MultiLeaderElector[] = [];
  private readonly handled;
  private readonly latency;
  private readonly queueDepth;
  private readonly saveErrors;

  constructor(private readonly deps: EventControllerDeps) {
    const r = deps.registry;
    this.handled = histogram(r, 'event_handle', 'Events handled, by outcome (error="" means a span was written).', ['cluster', 'group', 'version', 'kind', 'resource', 'timestampType', 'error']);
    this.latency = histogram(r, 'event_latency', 'From the event time to its span being sent, in seconds.', ['cluster', 'group', 'version', 'resource'], [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300]);
    this.queueDepth = gauge(r, 'event_queue_depth', 'Events waiting for a worker.', ['cluster']);
    this.saveErrors = counter(r, 'event_progress_save_error_count', 'Failed writes of the progress ConfigMap.', ['cluster']);
  }

  start(): void {
    for (const cluster of this.deps.clusters) {
      const elector = new MultiLeaderElector(
        {
          component: `event-controller/${cluster}`,
          rest: this.deps.clients.get(cluster).rest,
          config: this.deps.config.leaderElection,
          logger: this.deps.logger,
          registry: this.deps.registry,
          identity: this.deps.identity,
        },
        (_id, signal) => this.lead(cluster, signal),
      );
      elector.start();
      this.electors.push(elector);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.electors.map((e) => e.stop()));
  }

  /** Whether this process currently leads the given cluster's event controller. */
  isLeader(cluster: string): boolean {
    const i = this.deps.clusters.indexOf(cluster);
    return this.electors[i]?.leaderId !== undefined;
  }

  private async lead(cluster: string, signal: AbortSignal): Promise<void> {
    const { config, clients, logger, registry } = this.deps;
    const log = logger.child({ component: 'event-controller', cluster });
    const rest = clients.get(cluster).rest;
    let progress: Progress | undefined;
    for (let backoff = 500; !progress && !signal.aborted; backoff = Math.min(backoff * 2, 30_000)) {
      try {
        progress = await Progress.load({ rest, namespace: config.configMapNamespace, name: config.configMapName, lookbackMs: config.restartLookback });
      } catch (err) {
        log.warn('cannot load event progress; retrying', { err, backoffMs: backoff });
        await sleep(backoff, signal);
      }
    }
    if (!progress) return;
    const p = progress;
    log.info('event controller leading', { handledSince: new Date(p.handledSince).toISOString() });

    // Bounded queue: a full queue pauses the watch.
    const queue: CoreEvent[] = [];
    const queued = new Set<string>();
    const spaceWaiters: Array<() => void> = [];
    const itemWaiters: Array<() => void> = [];
    const capacity = 10_000;
    const enqueue = async (ev: CoreEvent) => {
      const key = occurrenceKey(ev);
      if (queued.has(key)) return;
      while (queue.length >= capacity && !signal.aborted) await new Promise<void>((r) => spaceWaiters.push(r));
      if (signal.aborted) return;
      queued.add(key);
      queue.push(ev);
      this.queueDepth.set({ cluster }, queue.length);
      itemWaiters.shift()?.();
    };
    const lw = new ListWatch(
      { rest, path: '/api/v1/events', name: 'v1/events', component: 'event-controller', logger: log, registry },
      {
        onList: async (items) => {
          for (const it of items) await enqueue(it as CoreEvent);
        },
        onEvent: async (type, obj: KubeObject) => {
          if (type !== 'DELETED') await enqueue(obj as CoreEvent);
        },
      },
    );
    const worker = async () => {
      while (!signal.aborted) {
        const ev = queue.shift();
        if (!ev) {
          // Woken by the next enqueue, or all at once on abort (below).
          await new Promise<void>((r) => itemWaiters.push(r));
          continue;
        }
        this.queueDepth.set({ cluster }, queue.length);
        spaceWaiters.shift()?.();
        try {
          await this.handleOne(cluster, ev, p, log);
        } catch (err) {
          // Not marked handled: a relist or the next leader will try it again.
          log.warn('handling event failed', { event: `${ev.metadata?.namespace}/${ev.metadata?.name}`, err });
        } finally {
          queued.delete(occurrenceKey(ev));
        }
      }
    };
    const flusher = async () => {
      while (!signal.aborted) {
        await sleep(config.configMapSyncInterval, signal);
        p.prune(Date.now() - config.maxEventAge - 60_000);
        await p.flush().catch((err: unknown) => {
          this.saveErrors.inc({ cluster });
          log.warn('saving event progress failed', { err });
        });
      }
    };

    lw.start();
    const workers = Array.from({ length: config.workerCount }, () => worker());
    const flushing = flusher();
    await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
    for (const w of spaceWaiters.splice(0)) w();
    for (const w of itemWaiters.splice(0)) w();
    await lw.stop();
    // Events already started finish; queued ones stay unmarked, so the next leader handles them.
    await Promise.all(workers);
    await flushing;
    queue.length = 0;
    this.queueDepth.set({ cluster }, 0);
    try {
      await p.flush();
    } catch (err) {
      this.saveErrors.inc({ cluster });
      log.error('final save of event progress failed; the next leader may repeat recent events', { err });
    }
  }

  private async handleOne(cluster: string, ev: CoreEvent, progress: Progress, log: Logger): Promise<void> {
    const { discovery, config, aggregator } = this.deps;
    const inv = ev.involvedObject ?? {};
    const { group, version } = parseApiVersion(inv.apiVersion);
    const kind = inv.kind ?? '';
    const { ms, type: timestampType } = eventTime(ev);
    const labels = { cluster, group, version, kind, resource: '', timestampType };
    const drop = (error: string) => this.handled.observe({ ...labels, error }, 0);
    if (!Number.isFinite(ms)) return drop('InferTimestamp');
    const key = occurrenceKey(ev);
    const skip = progress.skipReason(key, ms);
    if (skip) return drop(skip);
    if (Date.now() - ms > config.maxEventAge) return drop('EventTooOld');

    const info = await discovery.for(cluster).lookupKind({ group, version, kind });
    if (!info) return drop('UnknownGVK');
    labels.resource = info.resource;
    if (new Set(config.excludeResources).has(groupResourceString(info.group, info.resource))) {
      progress.markHandled(key, ms);
      return drop('Filtered');
    }
    const object: RichObject = {
      cluster,
      group: info.group,
      version,
      resource: info.resource,
      namespace: inv.namespace ?? '',
      name: inv.name ?? '',
      ...(inv.uid ? { uid: inv.uid } : {}),
    };
    const end = this.handled.startTimer(labels);
    try {
      await aggregator.send(object, eventSpan(ev, ms));
    } catch (err) {
      end({ error: 'SendTrace' });
      log.warn('writing event span failed', { object: `${object.group}/${object.resource}/${object.namespace}/${object.name}`, reason: ev.reason, err });
      return;
    }
    progress.markHandled(key, ms);
    end({ error: '' });
    this.latency.observe({ cluster, group, version, resource: info.resource }, (Date.now() - ms) / 1000);
  }
}
