/**
 * The Kubernetes-watching side of a process, from `config.informers` (issue 4): per-cluster clients,
 * discovery and object cache; the diff cache on the shared store clients; the diff controller, the
 * event controller and the linker worker pool on the aggregator's link jobs; and the diff decorator for
 * the audit consumer.
 */
import type { Registry } from 'prom-client';
import type { Aggregator } from '../runtime/aggregator/types.ts';
import type { AuditDecorator } from '../runtime/audit/decorator.ts';
import type { RunningComponent } from '../runtime/component/types.ts';
import type { Config } from '../runtime/config/schema.ts';
import { ownClusterOf, type InformersConfig } from '../runtime/config/sections/informers.ts';
import { createDiffCache } from '../runtime/diff/cache/index.ts';
import { startDiffController } from '../runtime/diff/component.ts';
import { DiffDecorator } from '../runtime/diff/decorator.ts';
import type { DiffCache } from '../runtime/diff/types.ts';
import { startEventController } from '../runtime/event/component.ts';
import { createKubeServices } from '../runtime/k8s/services.ts';
import { startLinkers } from '../runtime/linker/component.ts';
import type { SpanCache } from '../runtime/spancache/types.ts';
import type { StoreClients } from '../runtime/store/clients.ts';
import type { ExportBarrier } from '../runtime/tracer/barrier.ts';
import type { Logger } from '../runtime/util/log.ts';

export interface StartedInformers {
  /** Stop in reverse order. */
  components: RunningComponent[];
  /** Pass to the audit pipeline (the diff decorator, when enabled). */
  decorators: AuditDecorator[];
  /**
   * Register after the audit pipeline, so they stop before it: the diff decorator's pending waits end
   * first, and the audit queue then drains without waiting for diffs that will not come.
   */
  stopBeforeAudit: RunningComponent[];
  diffCache?: DiffCache;
}

export interface InformersDeps {
  logger: Logger;
  registry: Registry;
  /** Connections for an etcd or Redis diff cache; their owner closes them after the informers stopped. */
  stores: StoreClients;
  /** Absent without a tracer: the event controller and the linkers then do not start. */
  aggregator?: Aggregator;
  /** The aggregator's span cache (present with it): the event controller records emitted Events there. */
  spanCache?: SpanCache;
  /** The tracer's export barrier: the event controller records an Event as handled once its span is exported. */
  exported?: ExportBarrier;
}

export function startInformers(config: Config, deps: InformersDeps): StartedInformers {
  const out: StartedInformers = { components: [], decorators: [], stopBeforeAudit: [] };
  const informers = config.informers;
  if (!informers) return out;
  const { logger, registry, aggregator } = deps;
  const linkersOn = informers.linkers.workerCount > 0 && aggregator !== undefined;
  if (informers.eventController.enabled && !aggregator) logger.warn('informers.eventController is enabled but no tracer is configured; not started');
  if (informers.eventController.enabled && aggregator && !deps.spanCache) logger.warn('informers.eventController is enabled but no span cache was passed; not started');

  if (informers.diffController.enabled || informers.diffDecorator.enabled || (linkersOn && informers.linkers.ownerReference)) {
    const cache = createDiffCache(informers.diffCache, deps.stores, registry);
    out.diffCache = cache;
    out.components.push({ name: `diff-cache/${informers.diffCache.backend}`, stop: () => cache.close() });
  }
  if (informers.diffController.enabled || (informers.eventController.enabled && aggregator) || linkersOn) startWatchers(config, informers, deps, out);
  if (informers.diffDecorator.enabled && out.diffCache) {
    const shutdown = new AbortController();
    const decorator = new DiffDecorator(informers.diffDecorator, { cache: out.diffCache, registry, logger, signal: shutdown.signal });
    out.decorators.push(decorator.decorate);
    out.stopBeforeAudit.push({ name: 'diff-decorator', stop: async () => shutdown.abort() });
  }
  return out;
}

/** The kube clients and the controllers and linkers that use them. */
function startWatchers(config: Config, informers: InformersConfig, deps: InformersDeps, out: StartedInformers): void {
  const { aggregator, spanCache, exported, logger, registry } = deps;
  // Only this process's own cluster: elsewhere it may only read, and another instance writes its diffs and events.
  const clusters = [ownClusterOf(config)];
  const cache = out.diffCache;
  const kube = createKubeServices(config, deps.logger, deps.registry, async (key) => (await cache?.fetchSnapshot(key, 'deletion'))?.Value);
  out.components.push({ name: 'kube-clients', stop: async () => kube.close() });
  if (informers.diffController.enabled && cache) out.components.push(startDiffController(informers.diffController, { clusters, kube, cache, logger, registry }));
  if (informers.eventController.enabled && aggregator && spanCache) {
    out.components.push(startEventController(informers.eventController, { clusters, kube, aggregator, spanCache, exported, logger, registry }));
  }
  if (informers.linkers.workerCount > 0 && aggregator) out.components.push(startLinkers(informers.linkers, { aggregator, kube, diffCache: cache, logger, registry }));
}
