/**
 * A jaeger.storage.v2 TraceReader client (Jaeger remote storage, or anything serving that API):
 * FindTraces / GetTraces streams reassembled into per-trace span lists.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { loadProtos } from '../proto/load.ts';
import { decodeTracesData } from '../model/otlpDecode.ts';
import type { Span } from '../model/span.ts';

export interface RemoteStorageOptions {
  address: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string; insecureSkipVerify: boolean };
  timeoutMs: number;
  maxReceiveMessageMiB: number;
}

export interface FindQuery {
  service: string;
  operation?: string;
  attributes: Record<string, string>;
  startUs: number;
  endUs: number;
  searchDepth: number;
}

function timestamp(us: number): { seconds: string; nanos: number } {
  const seconds = Math.floor(us / 1_000_000);
  return { seconds: String(seconds), nanos: (us - seconds * 1_000_000) * 1000 };
}

type Method = 'FindTraces' | 'GetTraces';

/** Responses are decoded straight into spans (otlpDecode.ts): proto-loader's decode dominated a search's CPU. */
const passBuffer = (buf: Buffer) => buf;

export class RemoteStorageClient {
  private readonly client: grpc.Client;
  private readonly methods: Record<Method, { path: string; serialize: (req: unknown) => Buffer }>;

  constructor(private readonly opts: RemoteStorageOptions) {
    const { TraceReader } = loadProtos();
    let credentials = grpc.credentials.createInsecure();
    if (opts.tls) {
      const read = (f?: string) => (f ? readFileSync(f) : null);
      credentials = grpc.credentials.createSsl(read(opts.tls.caFile), read(opts.tls.keyFile), read(opts.tls.certFile), {
        rejectUnauthorized: !opts.tls.insecureSkipVerify,
      });
    }
    this.client = new TraceReader(opts.address, credentials, {
      'grpc.max_receive_message_length': opts.maxReceiveMessageMiB * 1024 * 1024,
    });
    const method = (name: Method) => ({ path: TraceReader.service[name]!.path, serialize: TraceReader.service[name]!.requestSerialize });
    this.methods = { FindTraces: method('FindTraces'), GetTraces: method('GetTraces') };
  }

  /** Spans of the matching traces, grouped by trace ID in stream order; `skip`: trace IDs the caller has (not decoded, left out). */
  findTraces(q: FindQuery, signal?: AbortSignal, skip?: ReadonlySet<string>): Promise<Map<string, Span[]>> {
    const request = {
      query: {
        service_name: q.service,
        operation_name: q.operation ?? '',
        attributes: Object.entries(q.attributes).map(([key, value]) => ({ key, value: { string_value: value } })),
        start_time_min: timestamp(q.startUs),
        start_time_max: timestamp(q.endUs),
        search_depth: q.searchDepth,
      },
    };
    return this.collect('FindTraces', request, signal, `FindTraces service=${q.service} ${JSON.stringify(q.attributes)}`, skip);
  }

  getTraces(ids: { traceId: string; startUs?: number; endUs?: number }[], signal?: AbortSignal): Promise<Map<string, Span[]>> {
    const request = {
      query: ids.map((i) => ({
        trace_id: Buffer.from(i.traceId, 'hex'),
        ...(i.startUs ? { start_time: timestamp(i.startUs) } : {}),
        ...(i.endUs ? { end_time: timestamp(i.endUs) } : {}),
      })),
    };
    return this.collect('GetTraces', request, signal, `GetTraces ${ids.length} ids`);
  }

  private collect(method: Method, request: unknown, signal: AbortSignal | undefined, what: string, skip?: ReadonlySet<string>): Promise<Map<string, Span[]>> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new Error(`remote storage ${this.opts.address}: ${what}: aborted`));
      const traces = new Map<string, Span[]>();
      const { path, serialize } = this.methods[method];
      const call = this.client.makeServerStreamRequest(path, serialize, passBuffer, request, new grpc.Metadata(), { deadline: Date.now() + this.opts.timeoutMs });
      const onAbort = () => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      const fail = (err: Error, detail: string) => {
        signal?.removeEventListener('abort', onAbort);
        reject(new Error(`remote storage ${this.opts.address}: ${what}: ${detail}`, { cause: err }));
      };
      call.on('data', (td: Buffer) => {
        let spans: Span[];
        try {
          spans = decodeTracesData(td, skip);
        } catch (err) {
          // Settles first: the cancellation's own error event then changes nothing.
          fail(err as Error, `cannot decode a response message: ${(err as Error).message}`);
          call.cancel();
          return;
        }
        for (const s of spans) {
          const list = traces.get(s.traceId);
          if (list) list.push(s);
          else traces.set(s.traceId, [s]);
        }
      });
      call.on('error', (err: grpc.ServiceError) => fail(err, err.details || err.message));
      call.on('end', () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(traces);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
