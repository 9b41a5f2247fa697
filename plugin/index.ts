/**
 * The Kelemetry storage plugin as a component of `kelemetry run`: a jaeger.storage.v2 gRPC server for
 * Jaeger query, reading raw traces from Jaeger remote storage, rendering them in display modes, and
 * the /redirect HTTP endpoint.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import type { ComponentContext, RunningComponent } from '../runtime/component/types.ts';
import { JaegerStorageBackend } from './backend/jaegerStorage.ts';
import { RemoteStorageClient } from './backend/remoteStorage.ts';
import { createHttpServer, listen } from './http/server.ts';
import { PluginMetrics } from './metrics.ts';
import { loadDisplayModes } from './modes/registry.ts';
import { Reader } from './reader/reader.ts';
import { RenderMemo } from './reader/renderMemo.ts';
import { bindServer, createGrpcServer } from './server/grpcServer.ts';
import { createTraceCache } from './tracecache/factory.ts';

export interface RunningPlugin extends RunningComponent {
  /** Actual ports (useful when the config asked for port 0). */
  grpcPort: number;
  httpPort?: number;
}

export async function startPlugin(ctx: ComponentContext): Promise<RunningPlugin> {
  const cfg = ctx.config.plugin;
  if (!cfg) throw new Error('startPlugin: config has no `plugin` section');
  const logger = ctx.logger.child({ component: 'plugin' });
  const metrics = new PluginMetrics(ctx.registry);
  const modes = loadDisplayModes(cfg.displayModeFile);
  const clusters = ctx.config.clusters.map((c) => c.name);
  const client = new RemoteStorageClient({
    address: cfg.backend.remoteStorage,
    ...(cfg.backend.tls ? { tls: cfg.backend.tls } : {}),
    timeoutMs: cfg.backend.timeout,
    maxReceiveMessageMiB: cfg.backend.maxReceiveMessageMiB,
  });
  const backend = new JaegerStorageBackend(client, cfg.backend.maxSearchDepth, metrics);
  const cache = createTraceCache(ctx.config);
  const reader = new Reader({
    backend,
    cache,
    memo: new RenderMemo(cfg.renderMemo.ttl, cfg.renderMemo.maxSpans),
    modes,
    metrics,
    logger,
    spanTtlMs: ctx.config.spanTtl,
    followLinks: { ...cfg.followLinks, timeoutMs: cfg.followLinks.timeout },
  });

  let grpcServer: GrpcServer | undefined;
  let httpServer: HttpServer | undefined;
  const stop = async () => {
    if (httpServer) {
      const s = httpServer;
      await new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeAllConnections();
    }
    if (grpcServer) {
      const s = grpcServer;
      // Health Watch streams stay open by design: give in-flight calls a moment, then force.
      await Promise.race([new Promise<void>((resolve) => s.tryShutdown(() => resolve())), new Promise((r) => setTimeout(r, 2000))]);
      s.forceShutdown();
    }
    await backend.close();
    await cache.close();
  };

  try {
    grpcServer = createGrpcServer({ reader, serviceNames: () => modes.names(), clusters, metrics, logger, chunk: cfg.chunk });
    const grpcPort = await bindServer(grpcServer, cfg.grpcListen);
    let httpPort: number | undefined;
    if (cfg.httpListen) {
      httpServer = createHttpServer({ reader, defaultMode: () => modes.defaultMode.name, clusters, windowMs: cfg.redirectWindow, metrics, logger });
      httpPort = await listen(httpServer, cfg.httpListen);
    }
    logger.info('storage plugin started', {
      grpc: cfg.grpcListen,
      grpcPort,
      http: cfg.httpListen,
      httpPort,
      remoteStorage: cfg.backend.remoteStorage,
      traceCache: cache.kind,
      displayModes: modes.all.length,
      defaultMode: modes.defaultMode.name,
    });
    return { name: 'plugin', stop, ready: () => true, grpcPort, ...(httpPort !== undefined ? { httpPort } : {}) };
  } catch (err) {
    await stop();
    throw err;
  }
}
