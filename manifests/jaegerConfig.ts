/**
 * Jaeger v2 configurations (the `jaeger` binary is an OpenTelemetry Collector distribution):
 *  - storage: OTLP in, Badger on disk, served over jaeger.storage.v2 by the remote_storage extension;
 *  - collector: a stateless OTLP front door that batches and forwards to storage;
 *  - query: the UI/API, reading traces from Kelemetry's storage plugin in the same pod.
 */
import { PATHS, PORTS } from './ports.ts';

const health = { healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${PORTS.jaegerHealth}` } } };
const telemetry = (name: string) => ({ resource: { 'service.name': name }, logs: { level: 'info' } });

export function jaegerStorageConfig(): object {
  return {
    service: {
      extensions: ['jaeger_storage', 'remote_storage', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: telemetry('jaeger-storage'),
    },
    extensions: {
      ...health,
      jaeger_storage: {
        backends: {
          badger: {
            badger: {
              directories: { keys: `${PATHS.jaegerData}/keys`, values: `${PATHS.jaegerData}/values` },
              ephemeral: false,
              ttl: { spans: '168h' },
            },
          },
        },
      },
      remote_storage: { endpoint: `0.0.0.0:${PORTS.remoteStorage}`, storage: 'badger' },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'badger' } },
  };
}

export function jaegerCollectorConfig(storageOtlp: string): object {
  return {
    service: {
      extensions: ['healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['otlp'] } },
      telemetry: telemetry('jaeger-collector'),
    },
    extensions: health,
    receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}` } } } },
    processors: { batch: {} },
    exporters: { otlp: { endpoint: storageOtlp, tls: { insecure: true } } },
  };
}

export function jaegerQueryConfig(): object {
  return {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['nop'], processors: ['batch'], exporters: ['nop'] } },
      telemetry: telemetry('jaeger-query'),
    },
    extensions: {
      ...health,
      jaeger_query: {
        storage: { traces: 'kelemetry' },
        // Jaeger query would trace itself to localhost:4317, where nothing listens (and wait on it at shutdown).
        enable_tracing: false,
        http: { endpoint: `0.0.0.0:${PORTS.query}` },
        grpc: { endpoint: `0.0.0.0:${PORTS.queryGrpc}` },
      },
      jaeger_storage: { backends: { kelemetry: { grpc: { endpoint: `127.0.0.1:${PORTS.pluginGrpc}`, tls: { insecure: true } } } } },
    },
    receivers: { nop: {} },
    processors: { batch: {} },
    exporters: { nop: {} },
  };
}
