/** The timed gRPC calls, in `tracing [full tree]` (mode 21000000). */
import { noCpu, type CpuMeter, type CpuSpent } from './cpu.ts';
import type { LoadedFamily } from './family.ts';
import { cluster } from './family.ts';
import type { RemoteStorageClient } from '../../../plugin/backend/remoteStorage.ts';
import type { Span } from '../../../plugin/model/span.ts';
import type { TraceReaderClient } from './plugin.ts';

/**
 * Times one streaming call made through the plugin's own storage client: RemoteStorageClient speaks the
 * TraceReader API the plugin serves and decodes answers with the plugin's decoder. (proto-loader's decode,
 * in the bench's own process, cost more than the plugin's rendering of a 211-span answer.) Returns the
 * spans per trace ID and the elapsed ms.
 */
async function timed(call: () => Promise<Map<string, Span[]>>): Promise<{ ms: number; traces: Map<string, number> }> {
  const t0 = performance.now();
  const found = await call();
  const ms = performance.now() - t0;
  return { ms, traces: new Map([...found].map(([id, spans]) => [id, spans.length])) };
}

const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: 0 });

/** The search for the family's Deployment in `tracing [full tree]`, as the storage client takes it. */
function fullTreeSearch(family: LoadedFamily) {
  const attributes = { resource: 'deployments', name: family.deploymentName };
  return { service: 'tracing [full tree]', operation: cluster, attributes, startUs: family.fromMs * 1000, endUs: family.toMs * 1000, searchDepth: 20 };
}

/** A search for the family's Deployment as the service (display mode name) `service`, as proto-loader takes it. */
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
export async function timeFindTraces(reader: RemoteStorageClient, family: LoadedFamily, iterations: number, meter: CpuMeter): Promise<{ ms: number[]; cpu: CpuSpent; spansPerTrace: number }> {
  const ms: number[] = [];
  const cpu = noCpu();
  let spansPerTrace = 0;
  for (let i = 0; i < iterations; i++) {
    const r = await meter.measure(cpu, () => timed(() => reader.findTraces(fullTreeSearch(family))));
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
export async function timeGetTraces(client: TraceReaderClient, reader: RemoteStorageClient, family: LoadedFamily, iterations: number, spansPerTrace: number, meter: CpuMeter): Promise<{ cold: number[]; coldCpu: CpuSpent; cached: number[] }> {
  const cold: number[] = [];
  const coldCpu = noCpu();
  const cached: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const ids = await new Promise<{ trace_ids: { trace_id: Buffer }[] }>((resolve, reject) => client.FindTraceIDs(deploymentQuery(family, 'tracing'), (e, r) => (e ? reject(e) : resolve(r))));
    const id = ids.trace_ids[0]!.trace_id.toString('hex');
    const edited = [{ traceId: `ff21000000${id.slice(10)}` }];
    const c = await meter.measure(coldCpu, () => timed(() => reader.getTraces(edited)));
    if ([...c.traces.values()][0] !== spansPerTrace) throw new Error(`GetTraces returned ${[...c.traces.values()][0]} spans, FindTraces ${spansPerTrace}`);
    cold.push(c.ms);
    cached.push((await timed(() => reader.getTraces(edited))).ms);
  }
  return { cold, coldCpu, cached };
}
