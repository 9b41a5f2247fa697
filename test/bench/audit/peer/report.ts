/** The comparison table: one row per implementation and round, the medians, and this project ÷ the original. */
import { percentile } from '../../common/stats.ts';
import { shippedNodeFlags } from '../../common/nodeFlags.ts';
import type { Options } from '../options.ts';
import type { PhaseResult } from './phase.ts';
import type { Side } from './servers.ts';

/** One implementation in one round: its unpaced run and its paced run. */
export interface Round {
  side: Side;
  round: number;
  unpaced: PhaseResult;
  paced: PhaseResult;
}

interface Row {
  eventsPerSecond: number;
  cpuPer1000: number;
  /** Peak RSS of the unpaced run (saturation) and of the run paced at --paced-rate. */
  peakRssMiB: number;
  pacedRssMiB: number;
  p50: number;
  p99: number;
  lostUnpaced: number;
  lostPaced: number;
  refused: number;
}

function row({ unpaced, paced }: Round): Row {
  const lost = (p: PhaseResult) => p.gen.sent - p.status.received;
  return {
    eventsPerSecond: unpaced.gen.sent / (unpaced.wallMs / 1000),
    cpuPer1000: (unpaced.usage.cpuSeconds / unpaced.gen.sent) * 1000,
    peakRssMiB: unpaced.usage.peakRss / 1024 / 1024,
    pacedRssMiB: paced.usage.peakRss / 1024 / 1024,
    p50: percentile(paced.latencies, 50),
    p99: percentile(paced.latencies, 99),
    lostUnpaced: lost(unpaced),
    lostPaced: lost(paced),
    refused: unpaced.gen.refused + paced.gen.refused,
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const medianRow = (rows: Row[]): Row => {
  const keys = Object.keys(rows[0]!) as (keyof Row)[];
  return Object.fromEntries(keys.map((k) => [k, median(rows.map((r) => r[k]))])) as unknown as Row;
};

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '-');
const header = `${''.padEnd(22)}${['events/s', 'CPU-s/1k ev', 'peak RSS', 'RSS paced', 'p50 paced', 'p99 paced', 'lost', '429s'].map((h) => h.padStart(12)).join('')}`;

function line(label: string, r: Row): string {
  const cells = [fmt(r.eventsPerSecond), fmt(r.cpuPer1000, 3), `${fmt(r.peakRssMiB)} MiB`, `${fmt(r.pacedRssMiB)} MiB`, `${fmt(r.p50)} ms`, `${fmt(r.p99)} ms`, `${fmt(r.lostUnpaced)}/${fmt(r.lostPaced)}`, fmt(r.refused)];
  return `${label.padEnd(22)}${cells.map((c) => c.padStart(12)).join('')}`;
}

function ratioLine(ours: Row, upstream: Row): string {
  const keys: (keyof Row)[] = ['eventsPerSecond', 'cpuPer1000', 'peakRssMiB', 'pacedRssMiB', 'p50', 'p99'];
  return `${'ours ÷ original'.padEnd(22)}${keys.map((k) => `${fmt(ours[k] / upstream[k], 2)}×`.padStart(12)).join('')}`;
}

const flagsNote = (opts: Options) =>
  opts.oursNodeFlags.join(' ') === shippedNodeFlags ? "node flags as the consumer pod ships them (NODE_OPTIONS)" : 'node flags from --ours-node-flags, not as shipped';

export function formatPeerReport(opts: Options, args: string[], rounds: Round[], commands: Record<Side, string>): string {
  const rows = (side: Side) => rounds.filter((r) => r.side === side).map(row);
  const [ours, upstream] = [medianRow(rows('ours')), medianRow(rows('upstream'))];
  const label = (r: Round) => `round ${r.round + 1} ${r.side === 'ours' ? 'ours' : 'original'}`;
  return `
audit pipeline: this project vs the original Kelemetry v0.2.7 (${new Date().toISOString()}, node ${process.version})
  ours: node ${commands.ours} run (${flagsNote(opts)}); original: ${commands.upstream}
  per implementation and round: one unpaced run (events/s, CPU, peak RSS) and one paced at ${opts.pacedRate}/s (latency, RSS paced), each on a fresh
  server process; ${opts.events.toLocaleString('en-US')} events, ${opts.objects} live objects, batches of ≤${opts.batch}, ${opts.concurrency} concurrent POSTs, ${opts.partitions} partitions;
  both export OTLP/gRPC to a separate receiver process; latency = batch POSTed → audit span received; CPU and peak RSS of the
  server process only (/proc); lost = sent − audit spans received (unpaced/paced); order alternates by round
${header}
${rounds.map((r) => line(label(r), row(r))).join('\n')}
${line('median ours', ours)}
${line('median original', upstream)}
${ratioLine(ours, upstream)}
reproduce: npm run bench -- audit ${args.join(' ')}`.trimEnd();
}
