/**
 * Jaeger v2 (the `jaeger` binary of github.com/jaegertracing/jaeger v1.76.0 = Jaeger 2.13) in two roles:
 *  - storage: OTLP receiver writing to an in-memory store, which the remote_storage extension serves over
 *    the jaeger.storage.v2 gRPC API (what Kelemetry's plugin reads raw traces from);
 *  - query: the UI and HTTP/gRPC query APIs, whose trace storage is a `grpc` backend at a caller-chosen
 *    address (Kelemetry's storage plugin, or remote storage itself to see raw traces).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Logger } from './log.ts';
import { freePorts } from './ports.ts';
import { httpOk, tcpOpen } from './probes.ts';
import { startProcess, waitReady } from './process.ts';
import type { Started } from './stores.ts';

export interface JaegerStorageInfo {
  /** OTLP/gRPC receiver, host:port (no scheme), for span exporters. */
  otlpGrpc: string;
  /** jaeger.storage.v2 TraceReader/DependencyReader, host:port. */
  remoteStorage: string;
}

export interface JaegerQueryInfo {
  /** UI and HTTP APIs (/api/traces/{id}, /api/v3/...). */
  url: string;
  /** api_v2/api_v3 gRPC QueryService, host:port. */
  grpc: string;
  /** The grpc trace backend this query instance reads from. */
  backend: string;
}

/** The collector's own telemetry: Prometheus on a private loopback port, so two instances never collide. */
function telemetry(serviceName: string, metricsPort: number): object {
  return {
    resource: { 'service.name': serviceName },
    metrics: { level: 'basic', readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metricsPort } } } }] },
    logs: { level: 'info' },
  };
}

export async function startJaegerStorage(binary: string, dir: string, logDir: string, log: Logger): Promise<Started<JaegerStorageInfo>> {
  const [otlp, remote, health, metrics] = (await freePorts(4)) as [number, number, number, number];
  const config = {
    service: {
      extensions: ['jaeger_storage', 'remote_storage', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: telemetry('jaeger-storage', metrics),
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: `127.0.0.1:${health}` } },
      jaeger_storage: { backends: { memstore: { memory: { max_traces: 100_000 } } } },
      remote_storage: { endpoint: `127.0.0.1:${remote}`, storage: 'memstore' },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${otlp}` } } } },
    // A short batch timeout: spans are readable within ~100 ms of arriving.
    processors: { batch: { timeout: '100ms' } },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
  };
  const configFile = join(dir, 'jaeger-storage.yaml');
  writeFileSync(configFile, stringify(config));
  const record = startProcess({
    name: 'jaeger-storage',
    command: binary,
    args: [`--config=${configFile}`],
    logDir,
    // remote_storage always traces itself to localhost:4317 (nothing listens there) and, on SIGTERM, waits
    // 10 s for that export to time out; sampling nothing leaves it nothing to export.
    env: { OTEL_TRACES_SAMPLER: 'always_off' },
  });
  await waitReady(record, async () => (await tcpOpen(remote)) && (await tcpOpen(otlp)), 60_000, log);
  return { info: { otlpGrpc: `127.0.0.1:${otlp}`, remoteStorage: `127.0.0.1:${remote}` }, processes: [record] };
}

export interface StartJaegerQueryOptions {
  binary: string;
  /** host:port of the jaeger.storage.v2 server to read traces from. */
  backend: string;
  dir: string;
  logDir: string;
  log: Logger;
  /** Distinguishes the config and log file when several query instances run. */
  name?: string;
}

export async function startJaegerQuery(opts: StartJaegerQueryOptions): Promise<Started<JaegerQueryInfo>> {
  const name = opts.name ?? 'jaeger-query';
  const [http, grpc, health, metrics] = (await freePorts(4)) as [number, number, number, number];
  const config = {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['nop'], processors: ['batch'], exporters: ['nop'] } },
      telemetry: telemetry(name, metrics),
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: `127.0.0.1:${health}` } },
      jaeger_query: {
        storage: { traces: 'kelemetry' },
        // Otherwise Jaeger query traces itself to localhost:4317 and waits ~10 s on that export at shutdown.
        enable_tracing: false,
        http: { endpoint: `127.0.0.1:${http}` },
        grpc: { endpoint: `127.0.0.1:${grpc}` },
      },
      jaeger_storage: { backends: { kelemetry: { grpc: { endpoint: opts.backend, tls: { insecure: true } } } } },
    },
    receivers: { nop: {} },
    processors: { batch: {} },
    exporters: { nop: {} },
  };
  const configFile = join(opts.dir, `${name}.yaml`);
  writeFileSync(configFile, stringify(config));
  const record = startProcess({ name, command: opts.binary, args: [`--config=${configFile}`], logDir: opts.logDir });
  const url = `http://127.0.0.1:${http}`;
  await waitReady(record, () => httpOk(`${url}/`), 60_000, opts.log);
  return { info: { url, grpc: `127.0.0.1:${grpc}`, backend: opts.backend }, processes: [record] };
}
