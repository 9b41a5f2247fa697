/**
 * The load generator, a child process playing the kube-apiserver (so its CPU is not measured): POSTs
 * the audit stream as EventList batches over loopback, retrying 429 like the apiserver, and prints
 * what it sent as one JSON line. Run as `node --import tsx generate.ts URL [bench options]`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AuditEvent } from '../../../runtime/audit/types.ts';
import { sleep } from '../../../runtime/util/sleep.ts';
import { runWorkers } from '../common/workers.ts';
import { parseOptions, type Options } from './options.ts';
import { stream } from './stream.ts';

export interface Generated {
  sent: number;
  /** 429 answers (retried). */
  refused: number;
  bytes: number;
  startedAtMs: number;
  elapsedMs: number;
  /** When batch k (events k·batch … (k+1)·batch-1) was first POSTed, for latency measured outside the server. */
  postedAtMs: number[];
}

/** The apiserver's retry delay after a 429, fixed like its audit webhook's. */
const retryAfterRefusalMs = 50;

export function eventList(items: AuditEvent[]): string {
  return JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });
}

/** POSTs one batch until the webhook takes it; returns how many 429s it answered first. */
async function post(url: string, body: string): Promise<number> {
  for (let refused = 0; ; refused++) {
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    await res.arrayBuffer();
    if (res.status === 200) return refused;
    if (res.status !== 429) throw new Error(`webhook answered ${res.status}`);
    await sleep(retryAfterRefusalMs);
  }
}

async function generate(url: string, opts: Options): Promise<Generated> {
  const it = stream(opts);
  const totals = { sent: 0, refused: 0, bytes: 0 };
  const started = Date.now();
  const nextBatch = (): AuditEvent[] => {
    const items: AuditEvent[] = [];
    for (let r = it.next(); !r.done; r = items.length < opts.batch ? it.next() : { done: true, value: undefined }) items.push(r.value);
    return items;
  };
  let batches = 0;
  const postedAtMs: number[] = [];
  await runWorkers(opts.concurrency, async () => {
    for (let items = nextBatch(); items.length; items = nextBatch()) {
      const body = eventList(items);
      const k = batches++;
      // Paced mode: batch k leaves at k * batch / rate seconds, like an apiserver under steady load.
      const due = opts.rate > 0 ? started + ((k * opts.batch) / opts.rate) * 1000 : 0;
      if (due > Date.now()) await sleep(due - Date.now());
      postedAtMs[k] = Date.now();
      totals.refused += await post(url, body);
      totals.sent += items.length;
      totals.bytes += body.length;
    }
  });
  return { ...totals, startedAtMs: started, elapsedMs: Date.now() - started, postedAtMs };
}

/** Runs the generator as a child process against the webhook at `url`, with the bench's own options. */
export async function runGenerator(url: string, args: string[]): Promise<Generated> {
  const child = await promisify(execFile)(process.execPath, ['--import', 'tsx', import.meta.filename, url, ...args], { maxBuffer: 1 << 20 });
  return JSON.parse(child.stdout) as Generated;
}

if (import.meta.filename === process.argv[1]) {
  const [url, ...args] = process.argv.slice(2);
  const generated = await generate(url!, parseOptions(args));
  process.stdout.write(JSON.stringify(generated) + '\n');
}
