import { BenchArgs } from '../common/args.ts';

export const usage = `usage: npm run bench -- memory [options]

This project's server process (\`kelemetry run\`, compiled) under the audit bench's stream, exporting over OTLP to a
receiver process: peak RSS (/proc) and V8's breakdown over time (from its own Prometheus endpoint).

options:
  --events N          audit events to send (default 20000)
  --rate N            events/s offered; 0 = as fast as accepted (default 0)
  --objects N, --batch N, --concurrency N, --partitions N   as in the audit bench
  --node-flags "..."  Node/V8 flags for the server process, e.g. "--max-semi-space-size=2" (default: none beyond
                      what bin/kelemetry.js and the image set)
  --snapshot-at MS    write a heap snapshot (--heapsnapshot-signal) this long after the first POST; its path is printed
  --entry FILE        run this compiled cli/main.js instead of compiling the checkout into .kelemetry/bench-dist`;

export interface MemoryOptions {
  events: number;
  rate: number;
  partitions: number;
  nodeFlags: string[];
  snapshotAtMs?: number;
  entry?: string;
  /** The options the audit generator takes. */
  generatorArgs: string[];
}

export function parseMemoryOptions(argv: string[]): MemoryOptions {
  const args = new BenchArgs(argv, ['events', 'rate', 'objects', 'batch', 'concurrency', 'partitions', 'node-flags', 'snapshot-at', 'entry']);
  const events = args.number('events', 20_000);
  const rate = args.number('rate', 0);
  const gen = { events, rate, objects: args.number('objects', 2_000), batch: args.number('batch', 400), concurrency: args.number('concurrency', 4) };
  return {
    events,
    rate,
    partitions: args.number('partitions', 8),
    nodeFlags: args.string('node-flags', '').split(' ').filter(Boolean),
    snapshotAtMs: args.has('snapshot-at') ? args.number('snapshot-at', 0) : undefined,
    entry: args.string('entry'),
    generatorArgs: Object.entries(gen).flatMap(([k, v]) => [`--${k}`, String(v)]),
  };
}
