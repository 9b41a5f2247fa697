/** Wiring of the diff controller for the process (app/informers builds the cache and the decorator directly). */
import type { Registry } from 'prom-client';
import type { RunningComponent } from '../component/types.ts';
import type { DiffControllerConfig } from '../config/sections/informers.ts';
import type { KubeServices } from '../k8s/services.ts';
import type { Logger } from '../util/log.ts';
import { DiffController } from './controller.ts';
import type { DiffCache } from './types.ts';

export interface DiffControllerComponentDeps {
  /** The clusters watched here: this process's own (`informers.cluster`), not every configured one. */
  clusters: string[];
  kube: KubeServices;
  cache: DiffCache;
  logger: Logger;
  registry: Registry;
}

export function startDiffController(config: DiffControllerConfig, deps: DiffControllerComponentDeps): RunningComponent {
  const { kube, ...rest } = deps;
  const controller = new DiffController(config, { ...rest, clients: kube.clients, discovery: kube.discovery });
  controller.start();
  return { name: 'diff-controller', stop: () => controller.stop(), ready: () => controller.ready() };
}
