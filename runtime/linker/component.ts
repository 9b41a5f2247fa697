/** Wiring of the linker worker pool for runtime/app (in every process that runs an aggregator). */
import type { Aggregator } from '../aggregator/types.ts';
import type { ComponentContext, RunningComponent } from '../component/types.ts';
import { informersConfigOf } from '../config/sections/informers.ts';
import type { DiffCache } from '../diff/types.ts';
import type { KubeServices } from '../k8s/services.ts';
import { createAnnotationLinker } from './annotation.ts';
import { createOwnerLinker } from './owner.ts';
import type { Linker, ObjectSource } from './types.ts';
import { LinkerPool } from './worker.ts';

export function startLinkers(ctx: ComponentContext, deps: { aggregator: Aggregator; kube: KubeServices; diffCache?: DiffCache }): RunningComponent {
  const cfg = informersConfigOf(ctx.config).linkers;
  const logger = ctx.logger.child({ component: 'linker' });
  const objects: ObjectSource = (o) => deps.kube.objectCache.get(o);
  const linkers: Linker[] = [];
  if (cfg.ownerReference) linkers.push(createOwnerLinker({ discovery: deps.kube.discovery, diffCache: deps.diffCache, objects, logger, registry: ctx.registry }));
  if (cfg.annotation) linkers.push(createAnnotationLinker({ objects }));
  const pool = new LinkerPool({ aggregator: deps.aggregator, linkers, workers: cfg.workerCount, capacity: cfg.queueCapacity, logger, registry: ctx.registry });
  pool.start();
  return { name: 'linkers', stop: () => pool.stop() };
}
