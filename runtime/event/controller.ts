/**
 * The event controller (spec 6): per traced cluster, while leader (Lease in that cluster), list-watch
 * core/v1 Events and write one event span per occurrence under the involved object's trace. Progress
 * lives in a ConfigMap (progress.ts) so a hand-over neither replays nor loses events: a stopping leader
 * finishes the events it started, saves progress, then releases the Lease. A killed leader cannot save
 * its last interval; marks in the shared span cache (emitted.ts) keep its successor from repeating it.
 * An Event is recorded as handled (progress and mark) only once its span is exported: a leader killed
 * while the span still waited in the batch exporter leaves it unmarked, so the successor emits it.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Aggregator, RichObject } from '../aggregator/types.ts';
import type { EventControllerConfig } from '../config/sections/informers.ts';
import type { KubeClients } from '../k8s/clients.ts';
import type { Discovery } from '../k8s/discovery.ts';
import { groupResourceString, parseApiVersion } from '../k8s/gvr.ts';
import { ListWatch, type KubeObject } from '../k8s/listWatch.ts';
import { MultiLeaderElector } from '../k8s/multiLeader.ts';
import { counter, gauge, histogram } from '../metrics/define.ts';
import type { KubeRest } from '../k8s/rest.ts';
import type { SpanCache } from '../spancache/types.ts';
import type { ExportBarrier } from '../tracer/barrier.ts';
import { Backoff } from '../util/backoff.ts';
import type { Logger } from '../util/log.ts';
import { sleep } from '../util/sleep.ts';
import { EmittedMarks } from './emitted.ts';
import { eventSpan, eventTime, occurrenceKey, type CoreEvent } from './handle.ts';
import { Progress } from './progress.ts';
import { EventQueue } from './queue.ts';

export interface EventControllerDeps {
  /** The traced clusters (names). */
  clusters: string[];
  clients: KubeClients;
  discovery: Discovery;
  aggregator: Aggregator;
  /** The store replicas share (the aggregator's): records which Events were emitted. */
  spanCache: SpanCache;
  logger: Logger;
  registry: Registry;
  /** Lease identity (tests run several controllers in one process). */
  identity?: string;
  /** The tracer's export barrier; without it an Event counts as handled once its span is sent. */
  exported?: ExportBarrier;
}

/** Events waiting for a worker, per leadership term; beyond it the watch pauses. */
const queueCapacity = 10_000;

/** What the workers of one leadership term share. */
interface Term {
  cluster: string;
  progress: Progress;
  marks: EmittedMarks;
  log: Logger;
  signal: AbortSignal;
  /** Events sent whose export is awaited before they are recorded as handled. */
  recording: Set<Promise<void>>;
}

type HandleLabels = 'cluster' | 'group' | 'version' | 'kind' | 'resource' | 'timestampType' | 'error';

export class EventController {
  private readonly config: EventControllerConfig;
  private readonly deps: EventControllerDeps;
  private readonly logger: Logger;
  private readonly excluded: Set<string>;
  private readonly electors: MultiLeaderElector[] = [];
  private readonly handled: Histogram<HandleLabels>;
  private readonly latency: Histogram<'cluster' | 'group' | 'version' | 'resource'>;
  private readonly queueDepth: Gauge<'cluster'>;
  private readonly saveErrors: Counter<'cluster'>;

  constructor(config: EventControllerConfig, deps: EventControllerDeps) {
    this.config = config;
    this.deps = deps;
    this.logger = deps.logger.child({ component: 'event-controller' });
    this.excluded = new Set(config.excludeResources);
    const r = deps.registry;
    this.handled = histogram(r, 'event_handle', 'Events handled, by outcome (error="" means a span was written).', ['cluster', 'group', 'version', 'kind', 'resource', 'timestampType', 'error']);
    this.latency = histogram(r, 'event_latency', 'From the event time to its span being sent, in seconds.', ['cluster', 'group', 'version', 'resource'], [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300]);
    this.queueDepth = gauge(r, 'event_queue_depth', 'Events waiting for a worker.', ['cluster']);
    this.saveErrors = counter(r, 'event_progress_save_error_count', 'Failed writes of the progress ConfigMap.', ['cluster']);
  }

  start(): void {
    const { clients, registry, identity } = this.deps;
    for (const cluster of this.deps.clusters) {
      const elector = new MultiLeaderElector(
        { component: `event-controller/${cluster}`, rest: clients.get(cluster).rest, config: this.config.leaderElection, logger: this.logger, registry, identity },
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

  /** One leadership term: watch Events into a bounded queue, handle them with workers, save progress. */
  private async lead(cluster: string, signal: AbortSignal): Promise<void> {
    const log = this.logger.child({ cluster });
    const rest = this.deps.clients.get(cluster).rest;
    const progress = await this.loadProgress(rest, log, signal);
    if (!progress) return;
    log.info('event controller leading', { handledSince: new Date(progress.handledSince).toISOString() });

    const queue = new EventQueue(queueCapacity, signal, (depth) => this.queueDepth.set({ cluster }, depth));
    const lw = new ListWatch(
      { rest, path: '/api/v1/events', name: 'v1/events', component: 'event-controller', logger: log, registry: this.deps.registry },
      {
        onList: async (items) => {
          for (const it of items) await queue.put(it as CoreEvent);
        },
        onEvent: async (type, obj: KubeObject) => {
          if (type !== 'DELETED') await queue.put(obj as CoreEvent);
        },
      },
    );
    lw.start();
    const marks = new EmittedMarks({ cache: this.deps.spanCache, cluster, claimTtlMs: this.config.leaderElection.leaseDuration, markTtlMs: this.config.maxEventAge });
    const term: Term = { cluster, progress, marks, log, signal, recording: new Set() };
    const workers = Array.from({ length: this.config.workerCount }, () => this.work(term, queue));
    const flushing = this.flushLoop(cluster, progress, log, signal);
    await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
    await lw.stop();
    // Events already started finish; queued ones stay unmarked, so the next leader handles them.
    await Promise.all(workers);
    await Promise.all(term.recording);
    await flushing;
    queue.clear();
    try {
      await progress.flush();
    } catch (err) {
      this.saveErrors.inc({ cluster });
      log.error('final save of event progress failed; the next leader may repeat recent events', { err });
    }
  }

  private async loadProgress(rest: KubeRest, log: Logger, signal: AbortSignal): Promise<Progress | undefined> {
    const { configMapNamespace: namespace, configMapName: name, restartLookback: lookbackMs } = this.config;
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
    while (!signal.aborted) {
      try {
        return await Progress.load({ rest, namespace, name, lookbackMs });
      } catch (err) {
        const backoffMs = backoff.next();
        log.warn('cannot load event progress; retrying', { err, backoffMs });
        await sleep(backoffMs, signal);
      }
    }
    return undefined;
  }

  private async work(term: Term, queue: EventQueue): Promise<void> {
    for (let ev = await queue.take(); ev; ev = await queue.take()) {
      try {
        await this.handleOne(term, ev);
      } catch (err) {
        // Not marked handled: a relist or the next leader will try it again.
        term.log.warn('handling event failed', { event: `${ev.metadata?.namespace}/${ev.metadata?.name}`, err });
      } finally {
        queue.done(ev);
      }
    }
  }

  /** Saves progress every configMapSyncInterval (and once more when the term ends). */
  private async flushLoop(cluster: string, progress: Progress, log: Logger, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.config.configMapSyncInterval, signal);
      progress.prune(Date.now() - this.config.maxEventAge - 60_000);
      await progress.flush().catch((err: unknown) => {
        this.saveErrors.inc({ cluster });
        log.warn('saving event progress failed', { err });
      });
    }
  }

  private async handleOne(term: Term, ev: CoreEvent): Promise<void> {
    const { cluster, progress, marks, log } = term;
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
    if (Date.now() - ms > this.config.maxEventAge) return drop('EventTooOld');

    const info = await this.deps.discovery.for(cluster).lookupKind({ group, version, kind });
    if (!info) return drop('UnknownGVK');
    labels.resource = info.resource;
    if (this.excluded.has(groupResourceString(info.group, info.resource))) {
      progress.markHandled(key, ms);
      return drop('Filtered');
    }
    const object: RichObject = { cluster, group: info.group, version, resource: info.resource, namespace: info.namespaced ? (inv.namespace ?? '') : '', name: inv.name ?? '', ...(inv.uid ? { uid: inv.uid } : {}) };
    const claim = await marks.claim(key, term.signal);
    if (claim.emitted) {
      // A previous leader emitted it after its last saved progress.
      progress.markHandled(key, ms);
      return drop('Duplicate');
    }
    const end = this.handled.startTimer(labels);
    const droppedBefore = this.deps.exported?.dropped();
    try {
      await this.deps.aggregator.send(object, eventSpan(ev, ms));
    } catch (err) {
      end({ error: 'SendTrace' });
      log.warn('writing event span failed', { object: `${object.group}/${object.resource}/${object.namespace}/${object.name}`, reason: ev.reason, err });
      return;
    }
    end({ error: '' });
    this.latency.observe({ cluster, group, version, resource: info.resource }, (Date.now() - ms) / 1000);
    // In the background, so a worker does not wait out the exporter's delay for every Event.
    const recording = this.recordWhenExported(term, key, ms, claim.uid, droppedBefore).finally(() => term.recording.delete(recording));
    term.recording.add(recording);
  }

  /** Marks the Event handled once its span is exported; a drop meanwhile leaves it to the next leader. */
  private async recordWhenExported(term: Term, key: string, ms: number, uid: string, droppedBefore: number | undefined): Promise<void> {
    const barrier = this.deps.exported;
    if (barrier) {
      await barrier.settled();
      if (barrier.dropped() !== droppedBefore) {
        term.log.warn('spans were dropped while an event span was exported; the event stays unrecorded, so the next leader emits it again', { event: key });
        return;
      }
    }
    term.progress.markHandled(key, ms);
    await term.marks.mark(key, uid).catch((err: unknown) => term.log.warn('recording an emitted event failed; a new leader may repeat it', { event: key, err }));
  }
}
