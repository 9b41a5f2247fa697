/**
 * Jaeger v2 configurations (the `jaeger` binary is an OpenTelemetry Collector distribution):
 *  - storage: OTLP in, Badger on disk, served over jaeger.storage.v2 by the remote_storage extension;
 *  - collector: a stateless OTLP front door that forwards to storage;
 *  - query: the UI/API, reading traces from Kelemetry's storage plugin in the same pod.
 * With `tlsDir` (the managed install always passes it), storage and collector serve OTLP and remote storage
 * over TLS with the certificate there (re-read hourly, as the kubelet updates the Secret's files in place),
 * and the collector verifies storage's certificate with the instance CA there. Query reaches the plugin
 * over plaintext: both listen on the pod's loopback only, so nothing outside the pod sees that traffic.
 * Each process serves its own metrics on PORTS.jaegerMetrics (the container port `jaeger-metrics`).
 *
 * Collector and storage answer an OTLP export only once the spans are written to Badger: no batch
 * processor and no sending queue, which would acknowledge spans held in memory and lose them when the pod
 * is rolled (seen in the upgrade test). Kelemetry's exporter already batches, and retries what failed.
 */
import { PATHS, PORTS } from './ports.ts';

const health = { healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${PORTS.jaegerHealth}` } } };
/** The process's own metrics in Prometheus format on every interface (the collector's default is loopback only). */
const telemetry = (name: string) => ({
  resource: { 'service.name': name },
  metrics: { level: 'basic', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: PORTS.jaegerMetrics } } } }] },
  logs: { level: 'info' },
});

/** OpenTelemetry configtls of a server: the certificate in `tlsDir`, reloaded so renewals need no restart. */
const serverTls = (tlsDir: string | undefined) => (tlsDir ? { tls: { cert_file: `${tlsDir}/tls.crt`, key_file: `${tlsDir}/tls.key`, reload_interval: '1h' } } : {});

const otlpReceiver = (tlsDir: string | undefined) => ({ otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${PORTS.otlpGrpc}`, ...serverTls(tlsDir) } } } });

export function jaegerStorageConfig(tlsDir?: string): object {
  return {
    service: {
      extensions: ['jaeger_storage', 'remote_storage', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], exporters: ['jaeger_storage_exporter'] } },
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
      remote_storage: { endpoint: `0.0.0.0:${PORTS.remoteStorage}`, ...serverTls(tlsDir), storage: 'badger' },
    },
    receivers: otlpReceiver(tlsDir),
    exporters: { jaeger_storage_exporter: { trace_storage: 'badger' } },
  };
}

export function jaegerCollectorConfig(storageOtlp: string, tlsDir?: string): object {
  return {
    service: {
      extensions: ['healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp'] } },
      telemetry: telemetry('jaeger-collector'),
    },
    extensions: health,
    receivers: otlpReceiver(tlsDir),
    // The server name checked is the endpoint's host, storage's Service name, which its certificate names.
    // Retries happen within the sender's deadline; past it the sender (Kelemetry's exporter) retries.
    exporters: { otlp: { endpoint: storageOtlp, sending_queue: { enabled: false }, tls: tlsDir ? { ca_file: `${tlsDir}/ca.crt` } : { insecure: true } } },
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
      // Loopback inside the frontend pod (the plugin binds 127.0.0.1 only): plaintext, as it never leaves the pod.
      jaeger_storage: { backends: { kelemetry: { grpc: { endpoint: `127.0.0.1:${PORTS.pluginGrpc}`, tls: { insecure: true } } } } },
    },
    receivers: { nop: {} },
    processors: { batch: {} },
    exporters: { nop: {} },
  };
}
