import { ascending, nearestRankPercentile } from '../common/stats.ts';
import type { CpuSpent } from './cpu.ts';
import type { LoadedFamily } from './family.ts';
import { reproduce, type Options } from './options.ts';

/** One size's figures. */
export interface SizeResult {
  rsCount: number;
  family: LoadedFamily;
  spansPerTrace: number;
  find: number[];
  findCpu: CpuSpent;
  cold: number[];
  coldCpu: CpuSpent;
  cached: number[];
  pluginMaxRssKb: number;
}

const p = (ms: number[], q: number) => nearestRankPercentile(ascending(ms), q);
const num = (v: number, width: number, digits = 1) => v.toFixed(digits).padStart(width);
const pair = (ms: number[]) => `${num(p(ms, 50), 8)} ${num(p(ms, 99), 8)}`;

/** Cost per raw span relative to the first size's; ≤ 1 means growing no faster than linearly. */
function growth(r: SizeResult, base: SizeResult, samples: (s: SizeResult) => number[]): string {
  const perSpan = (s: SizeResult) => p(samples(s), 50) / s.family.spans;
  return `×${(perSpan(r) / perSpan(base)).toFixed(2)}`.padStart(6);
}

const perCall = (cpu: CpuSpent, calls: number) => `${num(cpu.pluginMs / calls, 7, 0)} ${num(cpu.storageMs / calls, 7, 0)}`;

function label(r: SizeResult, pods: number): string {
  return `${String(r.rsCount).padStart(4)} × ${pods}`.padEnd(9);
}

function latencyRow(r: SizeResult, pods: number): string {
  return [label(r, pods), num(r.family.spans, 7, 0), num(r.spansPerTrace, 8, 0), pair(r.find), pair(r.cold), pair(r.cached)].join(' │ ');
}

function costRow(r: SizeResult, base: SizeResult, pods: number): string {
  const growths = `${growth(r, base, (s) => s.find)} ${growth(r, base, (s) => s.cold)}`;
  return [label(r, pods), perCall(r.findCpu, r.find.length), perCall(r.coldCpu, r.cold.length), num(r.pluginMaxRssKb / 1024, 7), growths].join(' │ ');
}

export function formatReport(opts: Options, results: SizeResult[], startedAtMs: number): string {
  const base = results[0]!;
  return [
    `storage plugin query benchmark — tracing [full tree] (mode 21000000), ${opts.iterations} calls of each kind per size, ${opts.windows} windows`,
    `  RS × pods │   spans │ rendered │ FindTraces p50/p99 ms │  GetTraces cold p50/p99 │ GetTraces cached p50/p99`,
    ...results.map((r) => `  ${latencyRow(r, opts.pods)}`),
    ``,
    `  RS × pods │ FindTraces CPU ms/call │ cold GetTraces CPU ms │ RSS MiB │ p50 per span vs first`,
    `            │  plugin storage │  plugin storage │         │  find   cold`,
    ...results.map((r) => `  ${costRow(r, base, opts.pods)}`),
    ``,
    `  spans: raw spans loaded (audit, Event, object and link spans); rendered: spans of the one trace shown.`,
    `  FindTraces: a search (reads storage, follows links, renders, stores a trace cache entry). GetTraces cold: a trace ID`,
    `  from a plain 'tracing' search with its mode digits edited (the /redirect flow): cache entry → storage reads → link`,
    `  following → render; cached: the same ID again (render memo). CPU: plugin and Jaeger storage processes (/proc) during`,
    `  the calls. RSS: the plugin process's peak (a fresh process per size, tsx loader included; node flags ${opts.nodeFlags || '(none)'}).`,
    `  total run: ${((Date.now() - startedAtMs) / 1000).toFixed(1)} s; machine: ${process.platform} ${process.arch}, Node ${process.version}`,
    `  reproduce: ${reproduce(opts)}`,
  ].join('\n');
}
