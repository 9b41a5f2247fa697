/**
 * Starts the Kubernetes-watching side of a process from `config.informers` (issue 4): per-cluster
 * clients, discovery and object cache; the diff cache; the diff controller, the event controller and the
 * linker worker pool; and the diff decorator for the audit consumer. runtime/app calls this once.
 */
import type { Registry } from 'prom-client';
import type { Aggregator } from '../runtime/aggregator/types.ts';
import type { RunningComponent } from '../runtime/component/types.ts';
import type { AuditDecorator } from '../runtime/audit/decorator.ts';
import type { Config } from '../runtime/config/schema.ts';
import { createDiffCache } from '../runtime/diff/cache/index.ts';
import { startDiffController } from '../runtime/diff/component.ts';
import { createDiffDecorator } from '../runtime/diff/decorator.ts';
import type { DiffCache } from '../runtime/diff/types.ts';
import { startEventController } from '../runtime/event/component.ts';
import { startLinkers } from '../runtime/linker/component.ts';
import type { Logger } from '../runtime/util/log.ts';
import { createKubeServices } from '../runtime/k8s/services.ts';

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
  const ctx = { config, logger, registry };
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
    if (informers.diffController.enabled && cache) out.components.push(startDiffController(ctx, kube, cache));
    if (informers.eventController.enabled && aggregator) out.components.push(startEventController(ctx, kube, aggregator));
    if (linkersOn && aggregator) out.components.push(startLinkers(ctx, { aggregator, kube, diffCache: cache }));
  }
  if (informers.diffDecorator.enabled && cache) {
    out.decorators.push(createDiffDecorator({ cache, config: informers.diffDecorator, registry, logger: logger.child({ component: 'diff-decorator' }), signal: shutdown.signal }));
    // Registered last, so it stops first: pending diff waits end before the consumer drains.
    out.components.push({ name: 'diff-decorator', stop: async () => shutdown.abort() });
  }
  return out;
}
