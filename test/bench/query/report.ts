import { ascending, nearestRankPercentile } from '../common/stats.ts';
import type { LoadedFamily } from './family.ts';
import { reproduce, type Options } from './options.ts';

export interface QueryResult {
  opts: Options;
  family: LoadedFamily;
  spansPerTrace: number;
  find: number[];
  cold: number[];
  warm: number[];
  pluginMaxRssKb: number;
  startedAtMs: number;
}

function summary(ms: number[]): string {
  const s = ascending(ms);
  return `p50 ${nearestRankPercentile(s, 50).toFixed(1)} ms, p99 ${nearestRankPercentile(s, 99).toFixed(1)} ms (n=${s.length}, min ${s[0]!.toFixed(1)}, max ${s[s.length - 1]!.toFixed(1)})`;
}

export function formatReport(r: QueryResult): string {
  const { rsCount, pods, heapMib } = r.opts;
  return [
    `storage plugin query benchmark — tracing [full tree] (mode 21000000)`,
    `  data: ${r.family.spans} raw spans, ${r.family.rawTraces} raw traces; rendered trace: ${r.spansPerTrace} spans (1 Deployment, ${rsCount} ReplicaSets, ${rsCount * pods} Pods)`,
    `  FindTraces (search, reads storage)          : ${summary(r.find)}`,
    `  GetTraces cold (trace cache entry → storage) : ${summary(r.cold)}`,
    `  GetTraces warm (render memo)                 : ${summary(r.warm)}`,
    `  plugin peak RSS: ${(r.pluginMaxRssKb / 1024).toFixed(1)} MiB (separate process, includes the tsx loader; V8 heap ${heapMib ? `capped at ${heapMib} MiB` : 'uncapped'})`,
    `  total run: ${((Date.now() - r.startedAtMs) / 1000).toFixed(1)} s; machine: ${process.platform} ${process.arch}, Node ${process.version}`,
    `  reproduce: ${reproduce(r.opts)}`,
  ].join('\n');
}
