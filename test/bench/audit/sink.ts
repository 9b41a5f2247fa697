/** A minimal OTLP/gRPC trace receiver that accepts and discards (counts) export requests, optionally showing each body first. */
import * as grpc from '@grpc/grpc-js';
import { formatHostPort } from '../../../runtime/util/hostPort.ts';

export interface OtlpSink {
  /** host:port to export to. */
  endpoint: string;
  requests(): number;
  stop(): Promise<void>;
}

const identity = (b: Buffer) => b;

/** `onExport` sees each ExportTraceServiceRequest (protobuf) before it is acknowledged. */
export async function startOtlpSink(onExport?: (body: Buffer) => void): Promise<OtlpSink> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  let requests = 0;
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        requests++;
        onExport?.(call.request);
        cb(null, Buffer.alloc(0)); // an empty ExportTraceServiceResponse
      },
    },
  );
  const host = '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { endpoint: formatHostPort({ host, port }), requests: () => requests, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}
