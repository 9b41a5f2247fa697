/** The report: one row per scenario, then each row's notes. */
import type { Row } from './harness.ts';
import type { SuiteOptions } from './options.ts';

const columns: { head: string; cell: (r: Row) => string }[] = [
  { head: 'scenario', cell: (r) => r.scenario },
  { head: 'status', cell: (r) => r.status },
  { head: 'sent', cell: (r) => String(r.sent) },
  { head: 'accepted', cell: (r) => String(r.accepted) },
  { head: 'gave up', cell: (r) => String(r.gaveUp) },
  { head: 'expected', cell: (r) => String(r.accepted) },
  { head: 'found', cell: (r) => String(r.found) },
  { head: 'lost', cell: (r) => String(r.lost) },
  { head: 'dup', cell: (r) => String(r.duplicated) },
  { head: 'copies', cell: (r) => String(r.copies) },
  { head: 'split', cell: (r) => String(r.split) },
  { head: 'recover', cell: (r) => (r.recoverMs === undefined ? '-' : `${(r.recoverMs / 1000).toFixed(1)} s`) },
];

export function formatTable(rows: Row[], opts: SuiteOptions): string {
  const cells = rows.map((r) => columns.map((c) => (r.status === 'n/a' || r.status === 'error') && c.head !== 'scenario' && c.head !== 'status' ? '' : c.cell(r)));
  const widths = columns.map((c, i) => Math.max(c.head.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const out = [
    `fault suite (${new Date().toISOString()}, node ${process.version}, queue ${opts.queue}, ${opts.rate} events/s, ${opts.quick ? 'quick: ' : ''}outage ${opts.outageMs / 1000} s, phases ${opts.phaseMs / 1000} s, sender backoff ${opts.backoffMs / 1000} s)`,
    line(columns.map((c) => c.head)),
    ...cells.map(line),
    '',
    'sent/accepted/gave up: events the sender posted, had accepted (200), abandoned after its retries or a refused connection;',
    'expected = accepted; found: their audit spans in Jaeger; lost: accepted but not found; dup: extra distinct spans of one audit ID;',
    'copies: redelivered copies stored with the same span ID (the plugin shows each span once);',
    'split: objects with more than one object span (trace) in the window; recover: end of fault → an event posted then is in Jaeger.',
    '',
    ...rows.flatMap((r) => (r.notes.length ? [`${r.scenario}:`, ...r.notes.map((n) => `  - ${n}`)] : [])),
  ];
  return out.join('\n');
}
