/**
 * Starts the Kubernetes-watching side of a process from `config.informers` (issue 4): per-cluster
 * clients, discovery and object cache; the diff cache; the diff controller, the event controller and the
 * linker worker pool; and the diff decorator for the audit consumer. runtime/app calls this once.
 */
import type { Registry } from 'prom-client';
import type { Aggregator } from '../aggregator/types.ts';
import type { RunningComponent } from '../app/component.ts';
import type { AuditDecorator } from '../audit/decorator.ts';
import type { Config } from '../config/schema.ts';
import { createDiffCache } from '../diff/cache/index.ts';
import { startDiffController } from '../diff/component.ts';
import { DiffDecorator } from '../diff/decorator.ts';
import type { DiffCache } from '../diff/types.ts';
import { startEventController } from '../event/component.ts';
import { startLinkers } from '../linker/component.ts';
import type { Logger } from '../util/log.ts';
import { createKubeServices } from './services.ts';

export interface StartedInformers {
  /** Stop in reverse order. */
  components: RunningComponent[];
  /** Pass to the audit pipeline (the diff decorator, when enabled). */
  decorators: AuditDecorator[];
  diffCache?: DiffCache;
}

export function startInformers(opts: { config: Config; logger: Logger; registry: Registry; aggregator?: Aggregator }): StartedInformers {
  const { config, logger, registry, aggregator } = opts;
  const informers = config.informers;
  const out: StartedInformers = { components: [], decorators: [] };
  if (!informers) return out;
  const clusters = config.clusters.map((c) => c.name);
  const linkersOn = informers.linkers.workerCount > 0 && aggregator !== undefined;
  const needDiffCache = informers.diffController.enabled || informers.diffDecorator.enabled || (linkersOn && informers.linkers.ownerReference);
  const needKube = informers.diffController.enabled || (informers.eventController.enabled && aggregator !== undefined) || linkersOn;
  if (informers.eventController.enabled && !aggregator) logger.warn('informers.eventController is enabled but no tracer is configured; not started');

  const shutdown = new AbortController();
  if (needDiffCache) {
    const cache = createDiffCache(informers.diffCache, config.stores, registry);
    out.diffCache = cache;
    out.components.push({ name: `diff-cache/${informers.diffCache.backend}`, stop: () => cache.close() });
  }
  const cache = out.diffCache;
  if (needKube) {
    const kube = createKubeServices(config, logger, registry, async (key) => (await cache?.fetchSnapshot(key, 'deletion'))?.Value);
    out.components.push({ name: 'kube-clients', stop: async () => kube.close() });
    if (informers.diffController.enabled && cache) out.components.push(startDiffController(informers.diffController, { clusters, kube, cache, logger, registry }));
    if (informers.eventController.enabled && aggregator) out.components.push(startEventController(informers.eventController, { clusters, kube, aggregator, logger, registry }));
    if (linkersOn && aggregator) out.components.push(startLinkers(informers.linkers, { aggregator, kube, diffCache: cache, logger, registry }));
  }
  if (informers.diffDecorator.enabled && cache) {
    out.decorators.push(new DiffDecorator(informers.diffDecorator, { cache, registry, logger, signal: shutdown.signal }).decorate);
    // Registered last, so it stops first: pending diff waits end before the consumer drains.
    out.components.push({ name: 'diff-decorator', stop: async () => shutdown.abort() });
  }
  return out;
}
