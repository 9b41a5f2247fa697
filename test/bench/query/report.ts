import { ascending, nearestRankPercentile } from '../common/stats.ts';
import type { LoadedFamily } from './family.ts';
import { reproduce, type Options } from './options.ts';

/** One size's figures. */
export interface SizeResult {
  rsCount: number;
  family: LoadedFamily;
  spansPerTrace: number;
  find: number[];
  cold: number[];
  cached: number[];
  pluginMaxRssKb: number;
}

const p = (ms: number[], q: number) => nearestRankPercentile(ascending(ms), q);
const ms = (v: number) => v.toFixed(1).padStart(8);

/** Cost per raw span relative to the first size's; ≤ 1 means growing no faster than linearly. */
function growth(r: SizeResult, base: SizeResult, samples: (s: SizeResult) => number[]): string {
  const perSpan = (s: SizeResult) => p(samples(s), 50) / s.family.spans;
  return `×${(perSpan(r) / perSpan(base)).toFixed(2)}`.padStart(6);
}

function row(r: SizeResult, base: SizeResult, pods: number): string {
  const { family: f } = r;
  return [
    `${String(r.rsCount).padStart(4)} × ${pods}`.padEnd(9),
    String(f.spans).padStart(7),
    String(r.spansPerTrace).padStart(8),
    `${ms(p(r.find, 50))} ${ms(p(r.find, 99))}`,
    `${ms(p(r.cold, 50))} ${ms(p(r.cold, 99))}`,
    `${ms(p(r.cached, 50))} ${ms(p(r.cached, 99))}`,
    (r.pluginMaxRssKb / 1024).toFixed(1).padStart(7),
    `${growth(r, base, (s) => s.find)} ${growth(r, base, (s) => s.cold)}`,
  ].join(' │ ');
}

export function formatReport(opts: Options, results: SizeResult[], startedAtMs: number): string {
  const base = results[0]!;
  return [
    `storage plugin query benchmark — tracing [full tree] (mode 21000000), ${opts.iterations} calls of each kind per size, ${opts.windows} windows`,
    `  RS × pods │   spans │ rendered │  FindTraces p50/p99 ms │ GetTraces cold p50/p99 │ GetTraces cached p50/p99 │ RSS MiB │ per span vs first: find cold`,
    ...results.map((r) => `  ${row(r, base, opts.pods)}`),
    `  spans: raw spans loaded (audit, Event, object and link spans); rendered: spans of the one trace shown.`,
    `  FindTraces: a search (reads storage, follows links, renders, stores a trace cache entry). GetTraces cold: a trace ID`,
    `  from a plain 'tracing' search with its mode digits edited (the /redirect flow): cache entry → storage → render;`,
    `  cached: the same ID again (render memo). RSS: the plugin process's peak (a fresh process per size, tsx loader`,
    `  included; V8 heap ${opts.heapMib ? `capped at ${opts.heapMib} MiB` : 'uncapped'}).`,
    `  total run: ${((Date.now() - startedAtMs) / 1000).toFixed(1)} s; machine: ${process.platform} ${process.arch}, Node ${process.version}`,
    `  reproduce: ${reproduce(opts)}`,
  ].join('\n');
}
