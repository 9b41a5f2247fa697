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
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJaegerStorage } from '../../envtest/jaeger.ts';
import { stopProcess } from '../../envtest/process.ts';
import { ensureBinaries } from '../../envtest/tools.ts';
import { timeFindTraces, timeGetTraces } from './query/calls.ts';
import { loadFamily } from './query/family.ts';
import { parseOptions } from './query/options.ts';
import { startPluginProcess, type PluginProcess } from './query/plugin.ts';
import { formatReport } from './query/report.ts';

export { usage } from './query/options.ts';

export async function main(args: string[]): Promise<void> {
  const opts = parseOptions(args);
  const log = (m: string) => process.stderr.write(`[bench query] ${m}\n`);
  const startedAtMs = Date.now();

  const binaries = await ensureBinaries(log);
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-bench-query-'));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const storage = await startJaegerStorage(binaries.jaeger, dir, logDir, log);
  let plugin: PluginProcess | undefined;
  try {
    const family = await loadFamily(storage.info.remoteStorage, opts, log);
    plugin = await startPluginProcess(dir, storage.info.remoteStorage, opts.heapMib);
    const { ms: find, spansPerTrace } = await timeFindTraces(plugin.client, family, opts.iterations);
    const { cold, warm } = await timeGetTraces(plugin.client, family, opts.iterations, spansPerTrace);
    const pluginMaxRssKb = await plugin.stop();
    plugin = undefined;
    console.log(formatReport({ opts, family, spansPerTrace, find, cold, warm, pluginMaxRssKb, startedAtMs }));
  } finally {
    plugin?.kill();
    for (const p of storage.processes) await stopProcess(p);
    rmSync(dir, { recursive: true, force: true });
  }
}
