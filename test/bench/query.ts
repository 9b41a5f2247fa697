/**
 * `npm run bench -- query [--sizes 1,10,100] [--pods 20] [--windows 4] [--iterations 20] [--node-flags ".."] [--cpu-prof DIR]`
 *
 * Grows one object family (a Deployment with R ReplicaSets × P Pods, audit and Event spans over W
 * windows) size by size in a real Jaeger v2 remote storage (memory store): each size is a new Deployment
 * loaded beside the earlier ones, and a fresh storage plugin process (so its peak RSS is that size's)
 * is timed over gRPC, in `tracing [full tree]`:
 *  - FindTraces (a search: reads storage, follows links, renders, stores a trace cache entry);
 *  - GetTraces cold: opening a trace ID found by a plain `tracing` search with its mode digits edited
 *    to 21000000 (the /redirect flow): trace cache entry → storage reads → link following → render;
 *  - GetTraces cached: the same ID again, served from the plugin's render memo.
 * Prints per size p50/p99, spans, the plugin's peak RSS, the cost per span against the first size,
 * and the command that reproduces the run. The plugin runs with the frontend pod's NODE_OPTIONS unless
 * `--node-flags` says otherwise: without a heap cap V8 grows the heap lazily, so peak RSS would show how
 * much garbage it let accumulate rather than what the plugin needs. `--cpu-prof DIR` writes each plugin process's CPU profile into DIR.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startJaegerStorage } from '../../envtest/jaeger.ts';
import { stopProcess } from '../../envtest/process.ts';
import { ensureBinaries } from '../../envtest/tools.ts';
import { timeFindTraces, timeGetTraces } from './query/calls.ts';
import { CpuMeter } from './query/cpu.ts';
import { loadFamily } from './query/family.ts';
import { parseOptions, type Options } from './query/options.ts';
import { startPluginProcess, type PluginProcess } from './query/plugin.ts';
import { formatReport, type SizeResult } from './query/report.ts';

export { usage } from './query/options.ts';

type Log = (m: string) => void;

/** Loads the size's family and times it against a fresh plugin process. */
async function measureSize(opts: Options, index: number, ctx: { dir: string; remoteStorage: string; storagePid: number; log: Log }): Promise<SizeResult> {
  const rsCount = opts.sizes[index]!;
  const family = await loadFamily(ctx.remoteStorage, { name: `demo-${index}`, rsCount, pods: opts.pods, windows: opts.windows }, ctx.log);
  const plugin: PluginProcess = await startPluginProcess(ctx.dir, ctx.remoteStorage, { nodeFlags: opts.nodeFlags, cpuProfDir: opts.cpuProfDir && resolve(opts.cpuProfDir) });
  try {
    const meter = new CpuMeter({ plugin: plugin.pid, storage: ctx.storagePid });
    const { ms: find, cpu: findCpu, spansPerTrace } = await timeFindTraces(plugin.reader, family, opts.iterations, meter);
    const { cold, coldCpu, cached } = await timeGetTraces(plugin.client, plugin.reader, family, opts.iterations, spansPerTrace, meter);
    const pluginMaxRssKb = await plugin.stop();
    ctx.log(`${rsCount} ReplicaSets measured`);
    return { rsCount, family, spansPerTrace, find, findCpu, cold, coldCpu, cached, pluginMaxRssKb };
  } catch (err) {
    plugin.kill();
    throw err;
  }
}

export async function main(args: string[]): Promise<void> {
  const opts = parseOptions(args);
  const log: Log = (m) => process.stderr.write(`[bench query] ${m}\n`);
  const startedAtMs = Date.now();
  if (opts.cpuProfDir) mkdirSync(opts.cpuProfDir, { recursive: true });

  const binaries = await ensureBinaries(log);
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-bench-query-'));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const storage = await startJaegerStorage(binaries.jaeger, dir, logDir, log);
  try {
    const results: SizeResult[] = [];
    for (let i = 0; i < opts.sizes.length; i++) results.push(await measureSize(opts, i, { dir, remoteStorage: storage.info.remoteStorage, storagePid: storage.processes[0]!.pid, log }));
    console.log(formatReport(opts, results, startedAtMs));
  } finally {
    for (const p of storage.processes) await stopProcess(p);
    rmSync(dir, { recursive: true, force: true });
  }
}
