/** The `--peer upstream` results: a row per process run, the original-to-ours ratios, and memory per added object. */
import type { PeerResult } from './peerMeasure.ts';

const columns = ['N ConfigMaps', 'side', 'sync (s)', 'RSS synced', 'RSS / object', 'heap synced', 'heap / object', 'peak RSS', 'updates', 'diffs', 'diffs/s', 'CPU s / 1k diffs'];

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
const sideName = (r: PeerResult) => (r.side === 'ours' ? 'ours (Node)' : 'original (Go)');

function row(r: PeerResult): string[] {
  return [
    String(r.n),
    sideName(r),
    r.syncSeconds.toFixed(0),
    mib(r.syncedRss),
    kib(r.syncedRss / r.n),
    mib(r.syncedHeap),
    kib(r.syncedHeap / r.n),
    mib(r.peakRss),
    String(r.updates),
    String(r.diffs),
    r.diffsPerSecond.toFixed(0),
    ((r.cpuSeconds / Math.max(1, r.diffs)) * 1000).toFixed(2),
  ];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function averaged(results: PeerResult[], side: PeerResult['side'], n: number, f: (r: PeerResult) => number): number {
  return mean(results.filter((r) => r.side === side && r.n === n).map(f));
}

function ratioLines(results: PeerResult[], sizes: number[]): string[] {
  return sizes.map((n) => {
    const ratio = (f: (r: PeerResult) => number) => (averaged(results, 'upstream', n, f) / averaged(results, 'ours', n, f)).toFixed(2);
    return `N=${n}: original / ours — RSS synced ${ratio((r) => r.syncedRss)}×, heap ${ratio((r) => r.syncedHeap)}×, peak RSS ${ratio((r) => r.peakRss)}×, diffs/s ${ratio((r) => r.diffsPerSecond)}×`;
  });
}

/** RSS and heap per object between consecutive sizes: the fixed cost of the process cancels out. */
function marginalLines(results: PeerResult[], sizes: number[]): string[] {
  const lines: string[] = [];
  for (let i = 1; i < sizes.length; i++) {
    const [a, b] = [sizes[i - 1]!, sizes[i]!];
    const per = (side: PeerResult['side'], f: (r: PeerResult) => number) => kib((averaged(results, side, b, f) - averaged(results, side, a, f)) / (b - a));
    lines.push(
      `N ${a}→${b}, per added object: ours RSS ${per('ours', (r) => r.syncedRss)}, heap ${per('ours', (r) => r.syncedHeap)}; ` +
        `original RSS ${per('upstream', (r) => r.syncedRss)}, heap ${per('upstream', (r) => r.syncedHeap)}`,
    );
  }
  return lines;
}

/** The results as a Markdown table, then the ratios (pasted into docs as is). */
export function peerTable(results: PeerResult[], sizes: number[]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(columns),
    `|${'---|'.repeat(columns.length)}`,
    ...results.map((r) => line(row(r))),
    '',
    ...ratioLines(results, sizes),
    ...marginalLines(results, sizes),
    '',
    'heap: what is still referenced after a forced GC: ours V8 heapUsed (--expose-gc, peerHeapProbe.js), original Go HeapAlloc (pprof gc=1).',
    '"/ object" divides by N; both also watch the cluster\'s few hundred other objects.',
  ].join('\n');
}
