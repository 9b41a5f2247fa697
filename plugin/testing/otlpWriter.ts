/** Sends model spans as OTLP Export requests (to a Jaeger OTLP receiver, or to remote storage's OTLP service). */
import * as grpc from '@grpc/grpc-js';
import { tracesDataFromSpans } from '../model/otlp.ts';
import type { Span } from '../model/span.ts';
import { loadProtos } from '../proto/load.ts';

export async function exportSpans(endpoint: string, spans: Span[], batchSize = 2000): Promise<void> {
  const { TraceService } = loadProtos();
  const client = new TraceService(endpoint.replace(/^https?:\/\//, ''), grpc.credentials.createInsecure()) as grpc.Client & {
    Export(req: unknown, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: { partial_success?: { rejected_spans?: string; error_message?: string } | null }) => void): void;
  };
  try {
    for (let i = 0; i < spans.length; i += batchSize) {
      const batch = spans.slice(i, i + batchSize);
      const res = await new Promise<{ partial_success?: { rejected_spans?: string; error_message?: string } | null }>((resolve, reject) =>
        client.Export(tracesDataFromSpans(batch), { deadline: Date.now() + 30_000 }, (err, r) => (err ? reject(new Error(`OTLP export to ${endpoint}: ${err.message}`, { cause: err })) : resolve(r))),
      );
      const rejected = Number(res.partial_success?.rejected_spans ?? 0);
      if (rejected) throw new Error(`OTLP export to ${endpoint}: ${rejected} spans rejected: ${res.partial_success?.error_message}`);
    }
  } finally {
    client.close();
  }
}
