/**
 * Loads the plugin's own .proto files (this folder) at run time with @grpc/proto-loader: the
 * jaeger.storage.v2 services it serves and calls, the OTLP messages they carry, OTLP export (for
 * loading test data) and gRPC health.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const protoDir = import.meta.dirname;

const files = [
  'jaeger/storage/v2/trace_storage.proto',
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'grpc/health/v1/health.proto',
];

/** Decoding conventions used everywhere in the plugin: snake_case names, int64 as decimal strings, bytes as Buffer. */
export const loaderOptions: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoDir],
};

interface ServiceCtor {
  new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions): grpc.Client;
  service: grpc.ServiceDefinition;
}

export interface PluginProtos {
  TraceReader: ServiceCtor;
  DependencyReader: ServiceCtor;
  TraceService: ServiceCtor;
  Health: ServiceCtor;
}

let cached: PluginProtos | undefined;

export function loadProtos(): PluginProtos {
  if (cached) return cached;
  const definition = protoLoader.loadSync(files, loaderOptions);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    jaeger: { storage: { v2: { TraceReader: ServiceCtor; DependencyReader: ServiceCtor } } };
    opentelemetry: { proto: { collector: { trace: { v1: { TraceService: ServiceCtor } } } } };
    grpc: { health: { v1: { Health: ServiceCtor } } };
  };
  cached = {
    TraceReader: pkg.jaeger.storage.v2.TraceReader,
    DependencyReader: pkg.jaeger.storage.v2.DependencyReader,
    TraceService: pkg.opentelemetry.proto.collector.trace.v1.TraceService,
    Health: pkg.grpc.health.v1.Health,
  };
  return cached;
}
