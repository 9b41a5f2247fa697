/**
 * `npm run bench -- audit [options]`: the audit pipeline under a realistic RequestResponse audit stream.
 *
 * A child process (audit/generate.ts) plays the kube-apiserver: it POSTs a mixed stream of creates,
 * patches, status updates and deletes over many objects (audit/stream.ts). This process runs the runtime
 * (webhook → queue → consumer → aggregator → span cache → OTLP export) exporting to a local OTLP sink
 * (default) or a real collector (--otlp host:port). Measured here, so the generator's CPU is excluded:
 * events/s, CPU-seconds per 1,000 events, webhook-receipt → span-exported latency p50/p99, peak RSS,
 * dropped events. Options: see audit/options.ts (`npm run bench -- audit --help`). With `--peer upstream`,
 * audit/peer/ compares this project with the original Kelemetry, both as server processes.
 */
import { sampleUsage } from './common/resources.ts';
import { ascending } from './common/stats.ts';
import { lossCounts, sumLosses } from './audit/counts.ts';
import { runGenerator } from './audit/generate.ts';
import { parseOptions } from './audit/options.ts';
import { ExportProbe, startPipeline, warmUp } from './audit/pipeline.ts';
import { runPeer } from './audit/peer/run.ts';
import { formatReport } from './audit/report.ts';

export { usage } from './audit/options.ts';

export async function main(args: string[]): Promise<void> {
  const opts = parseOptions(args);
  if (opts.peer) return runPeer(opts, args);
  const pipeline = await startPipeline(opts);
  const probe = new ExportProbe(pipeline.apps);
  await warmUp(pipeline, probe);

  const sampling = sampleUsage();
  const gen = await runGenerator(pipeline.url, args);
  await probe.exportedAtLeast(gen.sent);
  const usage = sampling.stop();
  const wallMs = (probe.lastExportMs || Date.now()) - gen.startedAtMs;

  const losses = sumLosses(await Promise.all(pipeline.registries.map((r) => lossCounts(r))));
  await pipeline.stop();
  console.log(formatReport({ opts, args, gen, usage, wallMs, latencies: ascending(probe.latencies), exported: probe.exported, losses }));
}
