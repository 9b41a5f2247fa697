/**
 * The gRPC face of the plugin: jaeger.storage.v2 TraceReader and DependencyReader (what Jaeger v2's
 * query service uses as its `grpc` trace backend) plus grpc.health.v1. FindTraceSummaries is not
 * registered, so gRPC answers UNIMPLEMENTED and Jaeger falls back to FindTraces.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../runtime/util/log.ts';
import type { PluginMetrics } from '../metrics.ts';
import { loadProtos } from '../proto/load.ts';
import { QueryError } from '../reader/errors.ts';
import type { FindQuery, Reader, RenderedTrace } from '../reader/reader.ts';
import { chunkTrace } from './chunking.ts';

interface Timestamp {
  seconds: string | number;
  nanos: number;
}

interface TraceQueryParameters {
  service_name: string;
  operation_name: string;
  attributes: { key: string; value?: { string_value?: string; bool_value?: boolean; int_value?: string; double_value?: number; value?: string } | null }[];
  start_time_min?: Timestamp | null;
  start_time_max?: Timestamp | null;
  search_depth: number;
}

export interface GrpcServerOptions {
  reader: Reader;
  serviceNames: () => string[];
  clusters: string[];
  metrics: PluginMetrics;
  logger: Logger;
  chunk: { maxSpans: number; maxBytes: number };
}

export const healthServices = ['', 'jaeger.storage.v2.TraceReader', 'jaeger.storage.v2.DependencyReader'];

/** µs since the epoch; 0 for "unset", which Jaeger sends as Go's zero time (year 1, negative seconds). */
function tsToUs(ts: Timestamp | null | undefined): number {
  if (!ts) return 0;
  const us = Number(ts.seconds) * 1_000_000 + Math.floor((ts.nanos ?? 0) / 1000);
  return us > 0 ? us : 0;
}

function usToTs(us: number): Timestamp {
  const seconds = Math.floor(us / 1_000_000);
  return { seconds: String(seconds), nanos: (us - seconds * 1_000_000) * 1000 };
}

function attrString(v: TraceQueryParameters['attributes'][number]['value']): string {
  if (!v) return '';
  switch (v.value) {
    case 'bool_value':
      return String(v.bool_value);
    case 'int_value':
      return String(v.int_value);
    case 'double_value':
      return String(v.double_value);
    default:
      return v.string_value ?? '';
  }
}

function toStatus(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof QueryError) return { code: err.code, details: err.message };
  return { code: grpc.status.INTERNAL, details: (err as Error).message ?? String(err) };
}

/** Writes with backpressure: waits for 'drain' when the stream's buffer is full. */
async function writeAll(call: grpc.ServerWritableStream<unknown, unknown>, messages: unknown[]): Promise<void> {
  for (const m of messages) {
    if (call.cancelled) return;
    if (!call.write(m)) await new Promise<void>((resolve) => call.once('drain', resolve));
  }
}

/** A FindTraces / FindTraceIDs query as the reader takes it. */
function findQuery(q: TraceQueryParameters | null | undefined): FindQuery {
  if (!q) throw new QueryError('FindTraces needs a query', grpc.status.INVALID_ARGUMENT);
  const attributes: Record<string, string> = {};
  for (const kv of q.attributes ?? []) attributes[kv.key] = attrString(kv.value);
  return {
    service: q.service_name,
    operation: q.operation_name,
    attributes,
    startUs: tsToUs(q.start_time_min),
    endUs: tsToUs(q.start_time_max) || Date.now() * 1000,
    limit: q.search_depth > 0 ? q.search_depth : 0,
  };
}

export function createGrpcServer(opts: GrpcServerOptions): grpc.Server {
  const { TraceReader, DependencyReader, Health } = loadProtos();
  const server = new grpc.Server({ 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  const fail = (rpc: string, err: unknown, context: Record<string, unknown>) => {
    opts.logger.warn(`${rpc} failed`, { ...context, err });
    return toStatus(err);
  };
  server.addService(preEncodedTraces(TraceReader.service), traceReaderService(opts, fail));
  server.addService(DependencyReader.service, {
    GetDependencies: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      // Kelemetry traces are not service-to-service calls: there are no dependencies to show.
      opts.metrics.timeRpc('GetDependencies', async () => ({ dependencies: [] })).then((r) => callback(null, r), (err) => callback(fail('GetDependencies', err, {})));
    },
  });
  server.addService(Health.service, healthService);
  return server;
}

/** FindTraces and GetTraces stream TracesData that chunkTrace has already serialized (otlpEncode.ts). */
function preEncodedTraces(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const passThrough = (message: Buffer) => message;
  return {
    ...service,
    FindTraces: { ...service.FindTraces!, responseSerialize: passThrough },
    GetTraces: { ...service.GetTraces!, responseSerialize: passThrough },
  };
}

type Fail = (rpc: string, err: unknown, context: Record<string, unknown>) => Partial<grpc.StatusObject>;

function traceReaderService(opts: GrpcServerOptions, fail: Fail): grpc.UntypedServiceImplementation {
  const { reader, metrics } = opts;
  const streamTraces = async (call: grpc.ServerWritableStream<unknown, unknown>, traces: RenderedTrace[]) => {
    for (const t of traces) await writeAll(call, chunkTrace(t.spans, opts.chunk.maxSpans, opts.chunk.maxBytes));
  };
  return {
    GetTraces: (call: grpc.ServerWritableStream<{ query: { trace_id: Buffer; start_time?: Timestamp | null; end_time?: Timestamp | null }[] }, unknown>) => {
      const ids = call.request.query.map((q) => ({ id: Buffer.from(q.trace_id).toString('hex'), startUs: tsToUs(q.start_time), endUs: tsToUs(q.end_time) }));
      metrics
        .timeRpc('GetTraces', async () => {
          for (const q of ids) {
            // Unknown IDs are skipped (contract); an empty stream means "not found".
            const trace = await reader.getTrace(q.id, q.startUs, q.endUs);
            if (trace) await streamTraces(call, [trace]);
          }
        })
        .then(
          () => call.end(),
          (err) => call.emit('error', fail('GetTraces', err, { traceIds: ids.map((i) => i.id) })),
        );
    },
    GetServices: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      metrics.timeRpc('GetServices', async () => ({ services: opts.serviceNames() })).then((r) => callback(null, r), (err) => callback(fail('GetServices', err, {})));
    },
    GetOperations: (call: grpc.ServerUnaryCall<{ service: string; span_kind: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      // Operation = cluster, whatever the mode (spec 8.1).
      metrics
        .timeRpc('GetOperations', async () => ({ operations: opts.clusters.map((name) => ({ name, span_kind: call.request.span_kind })) }))
        .then((r) => callback(null, r), (err) => callback(fail('GetOperations', err, { service: call.request.service })));
    },
    FindTraces: (call: grpc.ServerWritableStream<{ query?: TraceQueryParameters | null }, unknown>) => {
      metrics
        .timeRpc('FindTraces', async () => streamTraces(call, await reader.findTraces(findQuery(call.request.query))))
        .then(
          () => call.end(),
          (err) => call.emit('error', fail('FindTraces', err, { query: call.request.query })),
        );
    },
    FindTraceIDs: (call: grpc.ServerUnaryCall<{ query?: TraceQueryParameters | null }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      metrics
        .timeRpc('FindTraceIDs', async () => {
          const traces = await reader.findTraces(findQuery(call.request.query));
          return { trace_ids: traces.map((t) => ({ trace_id: Buffer.from(t.traceId, 'hex'), start: usToTs(t.startUs), end: usToTs(t.endUs) })) };
        })
        .then((r) => callback(null, r), (err) => callback(fail('FindTraceIDs', err, { query: call.request.query })));
    },
  };
}

const healthService: grpc.UntypedServiceImplementation = {
  Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    if (healthServices.includes(call.request.service)) callback(null, { status: 'SERVING' });
    else callback({ code: grpc.status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
  },
  Watch: (call: grpc.ServerWritableStream<{ service: string }, unknown>) => {
    // Status never changes while the server runs: report it once and keep the stream open until the client leaves.
    call.write({ status: healthServices.includes(call.request.service) ? 'SERVING' : 'SERVICE_UNKNOWN' });
  },
};

export function bindServer(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) reject(new Error(`plugin gRPC server cannot listen on ${address}: ${err.message}`, { cause: err }));
      else resolve(port);
    });
  });
}
