/** Wiring of the linker worker pool for the process (in every process that runs an aggregator). */
import type { Registry } from 'prom-client';
import type { Aggregator } from '../aggregator/types.ts';
import type { RunningComponent } from '../component/types.ts';
import type { LinkerConfig } from '../config/sections/informers.ts';
import type { DiffCache } from '../diff/types.ts';
import type { KubeServices } from '../k8s/services.ts';
import type { Logger } from '../util/log.ts';
import { AnnotationLinker } from './annotation.ts';
import { OwnerLinker } from './owner.ts';
import type { Linker, ObjectSource } from './types.ts';
import { LinkerPool } from './worker.ts';

export interface LinkersDeps {
  aggregator: Aggregator;
  kube: KubeServices;
  /** Where the owner linker finds creation snapshots. */
  diffCache?: DiffCache;
  logger: Logger;
  registry: Registry;
}

export function startLinkers(config: LinkerConfig, deps: LinkersDeps): RunningComponent {
  const { aggregator, kube, registry } = deps;
  const logger = deps.logger.child({ component: 'linker' });
  const objects: ObjectSource = (o) => kube.objectCache.get(o);
  const linkers: Linker[] = [];
  if (config.ownerReference) linkers.push(new OwnerLinker({ discovery: kube.discovery, diffCache: deps.diffCache, objects, logger, registry }));
  if (config.annotation) linkers.push(new AnnotationLinker({ objects, discovery: kube.discovery }));
  const pool = new LinkerPool(config, { aggregator, linkers, logger, registry });
  pool.start();
  return { name: 'linkers', stop: () => pool.stop() };
}
