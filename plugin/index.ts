/**
 * The Kelemetry storage plugin as a component of `kelemetry run`: a jaeger.storage.v2 gRPC server for
 * Jaeger query, reading raw traces from Jaeger remote storage, rendering them in display modes, and
 * the /redirect HTTP endpoint. Built from the `plugin` section and handed its trace cache.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import type { RunningComponent } from '../runtime/component/types.ts';
import type { PluginConfig } from '../runtime/config/sections/plugin.ts';
import type { Logger } from '../runtime/util/log.ts';
import { JaegerStorageBackend } from './backend/jaegerStorage.ts';
import { RemoteStorageClient } from './backend/remoteStorage.ts';
import { createHttpServer, listen } from './http/server.ts';
import { PluginMetrics } from './metrics.ts';
import { BackendProbe } from './readiness.ts';
import { loadDisplayModes, type DisplayModes } from './modes/registry.ts';
import { Reader } from './reader/reader.ts';
import { RenderMemo } from './reader/renderMemo.ts';
import { bindServer, createGrpcServer } from './server/grpcServer.ts';
import type { TraceCache } from './tracecache/types.ts';

export interface PluginDeps {
  /** Names of the configured clusters (`clusters[].name`): searches and /redirect accept only these. */
  clusters: string[];
  /** Window of one object trace (`spanTtl`), in ms. */
  spanTtlMs: number;
  /** Where returned cache trace IDs are resolved (see plugin/tracecache/factory.ts); the plugin closes it on stop. */
  traceCache: TraceCache;
  logger: Logger;
  registry: Registry;
}

export interface RunningPlugin extends RunningComponent {
  /** Actual ports (useful when the config asked for port 0). */
  grpcPort: number;
  httpPort?: number;
}

interface Servers {
  grpc?: GrpcServer;
  http?: HttpServer;
}

export async function startPlugin(cfg: PluginConfig, deps: PluginDeps): Promise<RunningPlugin> {
  const logger = deps.logger.child({ component: 'plugin' });
  const metrics = new PluginMetrics(deps.registry);
  const storage = {
    address: cfg.backend.remoteStorage,
    ...(cfg.backend.tls ? { tls: cfg.backend.tls } : {}),
    timeoutMs: cfg.backend.timeout,
    maxReceiveMessageMiB: cfg.backend.maxReceiveMessageMiB,
  };
  // Extension providers (JaegerStorage) read the plugin's remote storage unless their config names another.
  const modes = loadDisplayModes(cfg.displayModeFile, { remoteStorage: storage, registry: deps.registry, logger });
  const remote = new RemoteStorageClient(storage);
  const backend = new JaegerStorageBackend(remote, cfg.backend.maxSearchDepth, metrics);
  // An empty GetTraces reads nothing: it only shows remote storage is there and answering.
  const probe = new BackendProbe({ probe: (signal) => remote.getTraces([], signal), address: cfg.backend.remoteStorage, logger, registry: deps.registry });
  const reader = new Reader({
    backend,
    cache: deps.traceCache,
    memo: new RenderMemo(cfg.renderMemo.ttl, cfg.renderMemo.maxSpans),
    modes,
    metrics,
    logger,
    spanTtlMs: deps.spanTtlMs,
    followLinks: { ...cfg.followLinks, timeoutMs: cfg.followLinks.timeout },
  });
  const servers: Servers = {};
  const stop = async () => {
    await probe.stop();
    await stopServers(servers);
    await backend.close();
    modes.close();
    await deps.traceCache.close();
  };
  try {
    const ports = await serve(cfg, { reader, modes, metrics, logger, clusters: deps.clusters }, servers);
    logger.info('storage plugin started', {
      grpc: cfg.grpcListen,
      http: cfg.httpListen,
      ...ports,
      remoteStorage: cfg.backend.remoteStorage,
      traceCache: deps.traceCache.kind,
      displayModes: modes.all.length,
      defaultMode: modes.defaultMode.name,
    });
    probe.start();
    // Ready once the gRPC server listens (above) and remote storage answers: before, every query would fail.
    return { name: 'plugin', stop, ready: () => probe.ready, ...ports };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts the gRPC server and, when configured, the HTTP server; records them in `servers` for stopping. */
async function serve(
  cfg: PluginConfig,
  deps: { reader: Reader; modes: DisplayModes; metrics: PluginMetrics; logger: Logger; clusters: string[] },
  servers: Servers,
): Promise<{ grpcPort: number; httpPort?: number }> {
  const { reader, modes, metrics, logger, clusters } = deps;
  servers.grpc = createGrpcServer({ reader, serviceNames: () => modes.names(), clusters, metrics, logger, chunk: cfg.chunk });
  const grpcPort = await bindServer(servers.grpc, cfg.grpcListen);
  if (!cfg.httpListen) return { grpcPort };
  servers.http = createHttpServer({
    reader,
    defaultMode: () => modes.defaultMode.name,
    modes: () => modes.all,
    clusters,
    windowMs: cfg.redirectWindow,
    metrics,
    logger,
    ...(cfg.uiUrl ? { uiUrl: cfg.uiUrl } : {}),
  });
  return { grpcPort, httpPort: await listen(servers.http, cfg.httpListen) };
}

async function stopServers(servers: Servers): Promise<void> {
  if (servers.http) {
    const s = servers.http;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeAllConnections();
  }
  if (servers.grpc) {
    const s = servers.grpc;
    // Health Watch streams stay open by design: give in-flight calls a moment, then force.
    await Promise.race([new Promise<void>((resolve) => s.tryShutdown(() => resolve())), new Promise((r) => setTimeout(r, 2000))]);
    s.forceShutdown();
  }
}
