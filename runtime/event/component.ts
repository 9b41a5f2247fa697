/** Wiring of the event controller for the process. */
import type { Registry } from 'prom-client';
import type { Aggregator } from '../aggregator/types.ts';
import type { RunningComponent } from '../component/types.ts';
import type { EventControllerConfig } from '../config/sections/informers.ts';
import type { KubeServices } from '../k8s/services.ts';
import type { SpanCache } from '../spancache/types.ts';
import type { ExportBarrier } from '../tracer/barrier.ts';
import type { Logger } from '../util/log.ts';
import { EventController } from './controller.ts';

export interface EventControllerComponentDeps {
  /** The clusters watched here: this process's own (`informers.cluster`), not every configured one. */
  clusters: string[];
  kube: KubeServices;
  aggregator: Aggregator;
  /** The aggregator's span cache: where emitted Events are recorded for the next leader. */
  spanCache: SpanCache;
  /** The tracer's: an Event is recorded as handled once its span is exported. */
  exported?: ExportBarrier;
  logger: Logger;
  registry: Registry;
}

export function startEventController(config: EventControllerConfig, deps: EventControllerComponentDeps): RunningComponent {
  const { kube, ...rest } = deps;
  const controller = new EventController(config, { ...rest, clients: kube.clients, discovery: kube.discovery });
  controller.start();
  return { name: 'event-controller', stop: () => controller.stop() };
}
