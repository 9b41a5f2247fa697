/** The storage plugin with its trace cache, built from `plugin` and the process-wide settings it reads. */
import type { Registry } from 'prom-client';
import type { RunningPlugin } from '../plugin/index.ts';
import type { Config } from '../runtime/config/schema.ts';
import type { PluginConfig } from '../runtime/config/sections/plugin.ts';
import type { StoreClients } from '../runtime/store/clients.ts';
import type { Logger } from '../runtime/util/log.ts';

export async function startPluginComponent(
  config: Config & { plugin: PluginConfig },
  deps: { logger: Logger; registry: Registry; stores: StoreClients },
): Promise<RunningPlugin> {
  // Loaded only when configured: the plugin's gRPC/proto set-up is not needed by the write path.
  const [{ startPlugin }, { createTraceCache }] = await Promise.all([import('../plugin/index.ts'), import('../plugin/tracecache/factory.ts')]);
  return startPlugin(config.plugin, {
    clusters: config.clusters.map((c) => c.name),
    spanTtlMs: config.spanTtl,
    traceCache: createTraceCache(config.plugin.traceCache, { stores: deps.stores, registry: deps.registry }),
    logger: deps.logger,
    registry: deps.registry,
  });
}
