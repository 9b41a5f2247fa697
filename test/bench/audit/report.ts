import type { Usage } from '../common/resources.ts';
import { percentile } from '../common/stats.ts';
import type { LossCounts } from './counts.ts';
import type { Generated } from './generate.ts';
import type { Options } from './options.ts';

export interface AuditResult {
  opts: Options;
  /** The command-line options, for the reproduce line. */
  args: string[];
  gen: Generated;
  usage: Usage;
  /** First POST → last audit span exported. */
  wallMs: number;
  /** Receipt → exported, ascending. */
  latencies: number[];
  exported: number;
  losses: LossCounts;
}

const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export function formatReport({ opts, args, gen, usage, wallMs, latencies, exported, losses }: AuditResult): string {
  const { cpuSeconds, peakRss } = usage;
  const dropped = gen.sent - exported - losses.filtered;
  return `
audit pipeline benchmark (${new Date().toISOString()}, node ${process.version}, ${opts.spanCache} span cache, ${opts.queue} queue × ${opts.replicas} replica${opts.replicas > 1 ? 's (one process)' : ''}, export to ${opts.otlp ?? 'local OTLP sink'})
  events sent          ${gen.sent.toLocaleString('en-US')} ${opts.rate ? `paced at ${opts.rate}/s` : 'unpaced (saturation)'} in ${Math.ceil(gen.sent / opts.batch)} batches of ≤${opts.batch}, ${fmt(gen.bytes / gen.sent / 1024)} KiB/event, ${opts.objects} live objects, ${opts.concurrency} concurrent POSTs
  throughput           ${fmt(gen.sent / (wallMs / 1000), 0)} events/s (first POST → last audit span exported, ${fmt(wallMs / 1000, 2)} s)
  CPU                  ${fmt((cpuSeconds / gen.sent) * 1000, 3)} CPU-s per 1,000 events (runtime process only; ${fmt(cpuSeconds, 2)} CPU-s total)
  receipt → exported   p50 ${fmt(percentile(latencies, 50), 0)} ms, p99 ${fmt(percentile(latencies, 99), 0)} ms, max ${fmt(latencies.at(-1) ?? NaN, 0)} ms (${latencies.length} spans)
  peak RSS             ${fmt(peakRss / 1024 / 1024, 0)} MiB
  dropped events       ${dropped} (spans dropped by tracer: ${losses.droppedSpans}, send errors: ${losses.sendErrors}, filtered: ${losses.filtered}); 429 answers retried: ${gen.refused}
reproduce: npm run bench -- audit ${args.join(' ')}`.trimEnd();
}
