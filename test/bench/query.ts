/**
 * `npm run bench -- query [--rs 10] [--pods 20] [--windows 4] [--iterations 20] [--heap-mib N]`
 *
 * Loads one object family (a Deployment with R ReplicaSets × P Pods, audit and Event spans over W
 * windows) into a real Jaeger v2 remote storage (memory store), runs the storage plugin as its own
 * process against it, and times over gRPC, in `tracing [full tree]`:
 *  - FindTraces (a search: reads storage, follows links, renders, stores a trace cache entry);
 *  - GetTraces cold: opening a trace ID found by a plain `tracing` search with its mode digits edited
 *    to 21000000 (the /redirect flow): trace cache entry → storage reads → link following → render;
 *  - GetTraces warm: the same ID again, served from the plugin's render memo.
 * Prints p50/p99, spans per trace, the plugin's peak RSS, and the command that reproduces the run.
 * `--heap-mib` caps the plugin's V8 old space: without it V8 grows the heap lazily, so peak RSS shows
 * how much garbage it let accumulate rather than what the plugin needs.
 */
import * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { loadProtos } from '../../plugin/proto/load.ts';
import { deploymentFamily, KelemetrySpanBuilder } from '../../plugin/testing/kelemetrySpans.ts';
import { exportSpans } from '../../plugin/testing/otlpWriter.ts';
import { windowStartMs } from '../../runtime/model/window.ts';
import { startJaegerStorage } from '../../envtest/jaeger.ts';
import { repoRoot } from '../../envtest/environment.ts';
import { stopProcess } from '../../envtest/process.ts';
import { ensureBinaries } from '../../envtest/tools.ts';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} wants a positive integer, got ${args[i + 1]}`);
  return v;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms (n=${s.length}, min ${s[0]!.toFixed(1)}, max ${s[s.length - 1]!.toFixed(1)})`;
}

type Chunk = { resource_spans: { scope_spans: { spans: { trace_id: Buffer }[] }[] }[] };
type StreamFn = (req: unknown, opts: grpc.CallOptions) => grpc.ClientReadableStream<Chunk>;

/** Runs a streaming call; returns spans per trace ID and the elapsed ms. */
function timedStream(fn: StreamFn, client: grpc.Client, req: unknown): Promise<{ ms: number; traces: Map<string, number> }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const traces = new Map<string, number>();
    const call = fn.call(client, req, { deadline: Date.now() + 60_000 });
    call.on('data', (td: Chunk) => {
      for (const rs of td.resource_spans) for (const ss of rs.scope_spans) for (const s of ss.spans) {
        const id = s.trace_id.toString('hex');
        traces.set(id, (traces.get(id) ?? 0) + 1);
      }
    });
    call.on('error', reject);
    call.on('end', () => resolve({ ms: performance.now() - t0, traces }));
  });
}

export async function main(args: string[]): Promise<void> {
  const rsCount = option(args, 'rs', 10);
  const pods = option(args, 'pods', 20);
  const windows = option(args, 'windows', 4);
  const iterations = option(args, 'iterations', 20);
  const heapMib = args.includes('--heap-mib') ? option(args, 'heap-mib', 0) : undefined;
  const log = (m: string) => process.stderr.write(`[bench query] ${m}\n`);
  const started = Date.now();

  const binaries = await ensureBinaries(log);
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-bench-query-'));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const storage = await startJaegerStorage(binaries.jaeger, dir, logDir, log);
  let pluginProc: ReturnType<typeof spawn> | undefined;
  try {
    const cluster = 'bench';
    const spanTtl = 30 * 60_000;
    const firstWindowMs = windowStartMs(Date.now()) - (windows - 1) * spanTtl;
    const builder = new KelemetrySpanBuilder();
    const family = deploymentFamily(builder, { cluster, namespace: 'default', name: 'demo', firstWindowMs, windows, replicaSets: rsCount, podsPerReplicaSet: pods });
    const traceCount = new Set(builder.spans.map((s) => s.traceId)).size;
    log(`loading ${builder.spans.length} spans in ${traceCount} raw traces (1 Deployment, ${rsCount} ReplicaSets, ${rsCount * pods} Pods, ${windows} windows)`);
    // Remote storage serves OTLP export on its API port: writes land in the store without batching delay.
    await exportSpans(storage.info.remoteStorage, builder.spans);

    const configFile = join(dir, 'plugin.yaml');
    writeFileSync(
      configFile,
      stringify({
        clusters: [{ name: cluster }],
        plugin: {
          grpcListen: '127.0.0.1:0',
          backend: { remoteStorage: storage.info.remoteStorage },
          traceCache: { backend: 'memory' },
          followLinks: { limit: 1000 },
        },
      }),
    );
    const heapFlag = heapMib ? [`--max-old-space-size=${heapMib}`] : [];
    pluginProc = spawn(process.execPath, [...heapFlag, '--import', 'tsx', join(repoRoot, 'plugin/testing/runPlugin.ts'), configFile], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: pluginProc.stdout! });
    const nextLine = () => new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      pluginProc!.once('exit', (code) => reject(new Error(`plugin exited with code ${code}`)));
    });
    const { grpcPort } = JSON.parse(await nextLine()) as { grpcPort: number };

    const { TraceReader } = loadProtos();
    const client = new TraceReader(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 256 * 1024 * 1024 }) as grpc.Client & Record<string, StreamFn> & {
      FindTraceIDs(req: unknown, cb: (e: grpc.ServiceError | null, r: { trace_ids: { trace_id: Buffer }[] }) => void): void;
    };
    const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: 0 });
    const query = (service: string) => ({
      query: {
        service_name: service,
        operation_name: cluster,
        attributes: [
          { key: 'resource', value: { string_value: 'deployments' } },
          { key: 'name', value: { string_value: family.deployment.name } },
        ],
        start_time_min: ts(firstWindowMs),
        start_time_max: ts(firstWindowMs + windows * spanTtl),
        search_depth: 20,
      },
    });

    const find: number[] = [];
    let spansPerTrace = 0;
    for (let i = 0; i < iterations; i++) {
      const r = await timedStream(client.FindTraces!, client, query('tracing [full tree]'));
      if (r.traces.size !== 1) throw new Error(`FindTraces returned ${r.traces.size} traces, want 1`);
      spansPerTrace = [...r.traces.values()][0]!;
      find.push(r.ms);
    }
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const ids = await new Promise<{ trace_ids: { trace_id: Buffer }[] }>((resolve, reject) => client.FindTraceIDs(query('tracing'), (e, r) => (e ? reject(e) : resolve(r))));
      const id = ids.trace_ids[0]!.trace_id.toString('hex');
      const edited = Buffer.from(`ff21000000${id.slice(10)}`, 'hex');
      const c = await timedStream(client.GetTraces!, client, { query: [{ trace_id: edited }] });
      if ([...c.traces.values()][0] !== spansPerTrace) throw new Error(`GetTraces returned ${[...c.traces.values()][0]} spans, FindTraces ${spansPerTrace}`);
      cold.push(c.ms);
      warm.push((await timedStream(client.GetTraces!, client, { query: [{ trace_id: edited }] })).ms);
    }
    client.close();

    pluginProc.kill('SIGTERM');
    const { maxRssKb } = JSON.parse(await nextLine()) as { maxRssKb: number };
    pluginProc = undefined;

    const cmd = `npm run bench -- query --rs ${rsCount} --pods ${pods} --windows ${windows} --iterations ${iterations}${heapMib ? ` --heap-mib ${heapMib}` : ''}`;
    console.log(`storage plugin query benchmark — tracing [full tree] (mode 21000000)`);
    console.log(`  data: ${builder.spans.length} raw spans, ${traceCount} raw traces; rendered trace: ${spansPerTrace} spans (1 Deployment, ${rsCount} ReplicaSets, ${rsCount * pods} Pods)`);
    console.log(`  FindTraces (search, reads storage)          : ${summary(find)}`);
    console.log(`  GetTraces cold (trace cache entry → storage) : ${summary(cold)}`);
    console.log(`  GetTraces warm (render memo)                 : ${summary(warm)}`);
    console.log(`  plugin peak RSS: ${(maxRssKb / 1024).toFixed(1)} MiB (separate process, includes the tsx loader; V8 heap ${heapMib ? `capped at ${heapMib} MiB` : 'uncapped'})`);
    console.log(`  total run: ${((Date.now() - started) / 1000).toFixed(1)} s; machine: ${process.platform} ${process.arch}, Node ${process.version}`);
    console.log(`  reproduce: ${cmd}`);
  } finally {
    pluginProc?.kill('SIGKILL');
    for (const p of storage.processes) await stopProcess(p);
    rmSync(dir, { recursive: true, force: true });
  }
}
