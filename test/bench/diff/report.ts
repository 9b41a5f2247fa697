import type { RunResult } from './measure.ts';

const columns = ['N ConfigMaps', 'objects watched', 'backend', 'initial list (s)', 'heap / object', 'RSS / object', 'process RSS', 'updates', 'diffs/s', 'write p50 (ms)', 'write p99 (ms)'];

const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;

function row(r: RunResult): string[] {
  return [
    String(r.n),
    String(r.tracked),
    r.backend,
    r.listSeconds.toFixed(1),
    kib(r.heapPerObject),
    kib(r.rssPerObject),
    `${(r.processRss / 1048576).toFixed(0)} MiB`,
    String(r.updates),
    r.diffsPerSecond.toFixed(0),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
  ];
}

/** The results as a Markdown table (pasted into docs as is). */
export function resultTable(results: RunResult[]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(columns), `|${'---|'.repeat(columns.length)}`, ...results.map((r) => line(row(r)))].join('\n');
}
