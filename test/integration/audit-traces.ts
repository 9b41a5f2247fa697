/**
 * Reads traces back from Jaeger remote storage through the jaeger.storage.v2 TraceReader gRPC API
 * (FindTraces), for the audit integration tests. Uses the .proto files of plugin/proto (read-only).
 */
import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../../plugin/proto/load.ts';

export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  startMs: number;
  attrs: Record<string, string>;
  logs: { name: string; attrs: Record<string, string> }[];
}

interface AnyValue {
  string_value?: string;
  int_value?: string;
  bool_value?: boolean;
  double_value?: number;
  value?: string;
}
interface KeyValue {
  key: string;
  value?: AnyValue | null;
}
interface OtlpSpan {
  trace_id: Buffer;
  span_id: Buffer;
  parent_span_id: Buffer;
  name: string;
  start_time_unix_nano: string;
  attributes: KeyValue[];
  events: { name: string; attributes: KeyValue[] }[];
}
interface TracesData {
  resource_spans: { resource?: { attributes: KeyValue[] } | null; scope_spans: { spans: OtlpSpan[] }[] }[];
}

function attrs(list: KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const v = kv.value;
    if (!v) continue;
    const which = v.value as keyof AnyValue | undefined;
    out[kv.key] = String(which ? v[which] : (v.string_value ?? ''));
  }
  return out;
}

const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });

export class TraceReaderClient {
  private readonly client: grpc.Client & Record<string, (req: unknown, opts: grpc.CallOptions) => grpc.ClientReadableStream<TracesData>>;

  constructor(address: string) {
    const { TraceReader } = loadProtos();
    this.client = new TraceReader(address, grpc.credentials.createInsecure()) as typeof this.client;
  }

  /** Traces (at most `searchDepth`) with at least one span of `service` carrying all `attributes`, grouped by trace ID. */
  findTraces(service: string, attributes: Record<string, string>, fromMs: number, toMs: number, searchDepth = 1000): Promise<Map<string, StoredSpan[]>> {
    const request = {
      query: {
        service_name: service,
        attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: { string_value: value } })),
        start_time_min: ts(fromMs),
        start_time_max: ts(toMs),
        search_depth: searchDepth,
      },
    };
    return new Promise((resolve, reject) => {
      const traces = new Map<string, StoredSpan[]>();
      const call = this.client.FindTraces!.call(this.client, request, { deadline: Date.now() + 10_000 });
      call.on('data', (td: TracesData) => {
        for (const rs of td.resource_spans) {
          const service = attrs(rs.resource?.attributes)['service.name'] ?? '';
          for (const ss of rs.scope_spans) {
            for (const s of ss.spans) {
              const span: StoredSpan = {
                traceId: s.trace_id.toString('hex'),
                spanId: s.span_id.toString('hex'),
                parentSpanId: s.parent_span_id?.toString('hex') ?? '',
                name: s.name,
                service,
                startMs: Math.floor(Number(BigInt(s.start_time_unix_nano) / 1_000_000n)),
                attrs: attrs(s.attributes),
                logs: s.events.map((e) => ({ name: e.name, attrs: attrs(e.attributes) })),
              };
              traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
            }
          }
        }
      });
      call.on('error', (err) => reject(new Error(`FindTraces ${service} ${JSON.stringify(attributes)}: ${err.message}`)));
      call.on('end', () => resolve(traces));
    });
  }

  close(): void {
    this.client.close();
  }
}
