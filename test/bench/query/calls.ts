/** The timed gRPC calls, in `tracing [full tree]` (mode 21000000). */
import { noCpu, type CpuMeter, type CpuSpent } from './cpu.ts';
import type { LoadedFamily } from './family.ts';
import { cluster } from './family.ts';
import * as grpc from '@grpc/grpc-js';
import { decodeTracesData } from '../../../plugin/model/otlpDecode.ts';
import { loadProtos } from '../../../plugin/proto/load.ts';
import type { TraceReaderClient } from './plugin.ts';

const { TraceReader } = loadProtos();

/**
 * Runs a streaming call; returns spans per trace ID and the elapsed ms. Responses are read with the
 * plugin's own decoder (as jaeger-query reads them in Go), not proto-loader's: with proto-loader the
 * bench's client spent more time decoding a 211-span response than the plugin spent rendering it.
 */
function timedStream(method: 'FindTraces' | 'GetTraces', client: TraceReaderClient, req: unknown): Promise<{ ms: number; traces: Map<string, number> }> {
  const t0 = performance.now();
  const { path, requestSerialize } = TraceReader.service[method]!;
  return new Promise((resolve, reject) => {
    const traces = new Map<string, number>();
    const call = client.makeServerStreamRequest(path, requestSerialize, (b: Buffer) => b, req, new grpc.Metadata(), { deadline: Date.now() + 60_000 });
    call.on('data', (td: Buffer) => {
      for (const s of decodeTracesData(td)) traces.set(s.traceId, (traces.get(s.traceId) ?? 0) + 1);
    });
    call.on('error', reject);
    call.on('end', () => resolve({ ms: performance.now() - t0, traces }));
  });
}

const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: 0 });

/** A search for the family's Deployment as the service (display mode name) `service`. */
function deploymentQuery(family: LoadedFamily, service: string) {
  return {
    query: {
      service_name: service,
      operation_name: cluster,
      attributes: [
        { key: 'resource', value: { string_value: 'deployments' } },
        { key: 'name', value: { string_value: family.deploymentName } },
      ],
      start_time_min: ts(family.fromMs),
      start_time_max: ts(family.toMs),
      search_depth: 20,
    },
  };
}

/** FindTraces `iterations` times: the latencies, the CPU they took, and the spans of the (single) rendered trace. */
export async function timeFindTraces(client: TraceReaderClient, family: LoadedFamily, iterations: number, meter: CpuMeter): Promise<{ ms: number[]; cpu: CpuSpent; spansPerTrace: number }> {
  const ms: number[] = [];
  const cpu = noCpu();
  let spansPerTrace = 0;
  for (let i = 0; i < iterations; i++) {
    const r = await meter.measure(cpu, () => timedStream('FindTraces', client, deploymentQuery(family, 'tracing [full tree]')));
    if (r.traces.size !== 1) throw new Error(`FindTraces returned ${r.traces.size} traces, want 1`);
    spansPerTrace = [...r.traces.values()][0]!;
    ms.push(r.ms);
  }
  return { ms, cpu, spansPerTrace };
}

/**
 * GetTraces of a trace ID found by a plain `tracing` search with its mode digits edited to 21000000 (the
 * /redirect flow): cold, then again cached (the plugin's render memo). Checks the trace FindTraces rendered.
 */
export async function timeGetTraces(client: TraceReaderClient, family: LoadedFamily, iterations: number, spansPerTrace: number, meter: CpuMeter): Promise<{ cold: number[]; coldCpu: CpuSpent; cached: number[] }> {
  const cold: number[] = [];
  const coldCpu = noCpu();
  const cached: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const ids = await new Promise<{ trace_ids: { trace_id: Buffer }[] }>((resolve, reject) => client.FindTraceIDs(deploymentQuery(family, 'tracing'), (e, r) => (e ? reject(e) : resolve(r))));
    const id = ids.trace_ids[0]!.trace_id.toString('hex');
    const edited = Buffer.from(`ff21000000${id.slice(10)}`, 'hex');
    const c = await meter.measure(coldCpu, () => timedStream('GetTraces', client, { query: [{ trace_id: edited }] }));
    if ([...c.traces.values()][0] !== spansPerTrace) throw new Error(`GetTraces returned ${[...c.traces.values()][0]} spans, FindTraces ${spansPerTrace}`);
    cold.push(c.ms);
    cached.push((await timedStream('GetTraces', client, { query: [{ trace_id: edited }] })).ms);
  }
  return { cold, coldCpu, cached };
}
