/** Wiring of the diff side for runtime/app: the diff cache, the controller, and the decorator factory. */
import type { RunningComponent } from '../component/types.ts';
import type { ComponentContext } from '../component/types.ts';
import { informersConfigOf } from '../config/sections/informers.ts';
import type { KubeServices } from '../k8s/services.ts';
import { DiffController } from './controller.ts';
import { createDiffDecorator, type AuditDecorator } from './decorator.ts';
import type { DiffCache } from './types.ts';

export function startDiffController(ctx: ComponentContext, kube: KubeServices, cache: DiffCache): RunningComponent {
  const informers = informersConfigOf(ctx.config);
  const controller = new DiffController({
    config: informers.diffController,
    clusters: ctx.config.clusters.map((c) => c.name),
    clients: kube.clients,
    discovery: kube.discovery,
    cache,
    logger: ctx.logger.child({ component: 'diff-controller' }),
    registry: ctx.registry,
  });
  controller.start();
  return { name: 'diff-controller', stop: () => controller.stop(), ready: () => controller.ready() };
}

/** The decorator the audit consumer runs; `signal` aborts pending waits on shutdown. */
export function diffDecoratorFromConfig(ctx: ComponentContext, cache: DiffCache, signal?: AbortSignal): AuditDecorator {
  const informers = informersConfigOf(ctx.config);
  return createDiffDecorator({ cache, config: informers.diffDecorator, registry: ctx.registry, logger: ctx.logger.child({ component: 'diff-decorator' }), signal });
}
