/**
 * The timestamping OTLP receiver, a child process of its own so that neither implementation shares an event
 * loop with it: notes when each audit span first arrives (by its auditId) and answers the bench over IPC.
 * Warm-up spans (auditId `warm-…`) are only counted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { startOtlpSink } from '../sink.ts';
import { auditIds } from './otlpSpans.ts';

export interface ReceiverStatus {
  warm: number;
  /** Distinct measured audit spans received. */
  received: number;
  /** Measured audit spans received more than once. */
  duplicates: number;
  lastArrivalMs: number;
}

type Op = 'reset' | 'status' | 'arrivals';

export interface Receiver {
  /** host:port to export to. */
  endpoint: string;
  reset(): Promise<void>;
  status(): Promise<ReceiverStatus>;
  /** First arrival time (epoch ms) of each measured auditId. */
  arrivals(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

class ReceiverState {
  arrivals = new Map<string, number>();
  warm = 0;
  duplicates = 0;
  lastArrivalMs = 0;

  onExport(body: Buffer): void {
    const now = Date.now();
    for (const id of auditIds(body)) {
      if (id.startsWith('warm-')) this.warm++;
      else if (this.arrivals.has(id)) this.duplicates++;
      else {
        this.arrivals.set(id, now);
        this.lastArrivalMs = now;
      }
    }
  }

  answer(op: Op): unknown {
    if (op === 'reset') Object.assign(this, { arrivals: new Map(), warm: 0, duplicates: 0, lastArrivalMs: 0 });
    if (op === 'arrivals') return Object.fromEntries(this.arrivals);
    return { warm: this.warm, received: this.arrivals.size, duplicates: this.duplicates, lastArrivalMs: this.lastArrivalMs } satisfies ReceiverStatus;
  }
}

/** Forks the receiver and waits for its endpoint. */
export async function startReceiver(): Promise<Receiver> {
  const child: ChildProcess = fork(import.meta.filename, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (v: unknown) => void>();
  let nextId = 0;
  const ready = new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`OTLP receiver exited with ${code} before it was ready`)));
    child.on('message', (m: { id?: number; endpoint?: string; result?: unknown }) => {
      if (m.endpoint) resolve(m.endpoint);
      else if (m.id !== undefined) {
        pending.get(m.id)?.(m.result);
        pending.delete(m.id);
      }
    });
  });
  const ask = <T>(op: Op) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (v: unknown) => void);
      child.send({ id, op });
    });
  const endpoint = await ready;
  return {
    endpoint,
    reset: () => ask('reset'),
    status: () => ask('status'),
    arrivals: () => ask('arrivals'),
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (import.meta.filename === process.argv[1]) {
  const state = new ReceiverState();
  const sink = await startOtlpSink((body) => state.onExport(body));
  process.on('message', (m: { id: number; op: Op }) => process.send!({ id: m.id, result: state.answer(m.op) }));
  // Nothing to flush: the bench has read what it needs.
  process.on('SIGTERM', () => process.exit(0));
  process.send!({ endpoint: sink.endpoint });
}
