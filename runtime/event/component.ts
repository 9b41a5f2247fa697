/** Wiring of the event controller for runtime/app. */
import type { Aggregator } from '../aggregator/types.ts';
import type { ComponentContext, RunningComponent } from '../component/types.ts';
import { informersConfigOf } from '../config/sections/informers.ts';
import type { KubeServices } from '../k8s/services.ts';
import { EventController } from './controller.ts';

export function startEventController(ctx: ComponentContext, kube: KubeServices, aggregator: Aggregator): RunningComponent {
  const informers = informersConfigOf(ctx.config);
  const controller = new EventController({
    config: informers.eventController,
    clusters: ctx.config.clusters.map((c) => c.name),
    clients: kube.clients,
    discovery: kube.discovery,
    aggregator,
    logger: ctx.logger.child({ component: 'event-controller' }),
    registry: ctx.registry,
  });
  controller.start();
  return { name: 'event-controller', stop: () => controller.stop() };
}
