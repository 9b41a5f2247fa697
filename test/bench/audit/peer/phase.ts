/**
 * One measured run of one implementation: a fresh server process, a warm-up batch, then the generator's
 * stream (unpaced or paced), waiting until every audit span has reached the receiver or none has for 5 s.
 */
import type { Usage } from '../../common/resources.ts';
import { settle } from '../../common/settle.ts';
import { ascending } from '../../common/stats.ts';
import { sleep } from '../../../../runtime/util/sleep.ts';
import { eventList, runGenerator, type Generated } from '../generate.ts';
import type { Options } from '../options.ts';
import { warmUpBatches } from '../stream.ts';
import { sampleProcess } from './procUsage.ts';
import type { Receiver, ReceiverStatus } from './receiver.ts';
import { startServer, type ServerSettings, type Side } from './servers.ts';

export interface PhaseResult {
  side: Side;
  rate: number;
  gen: Generated;
  usage: Usage;
  /** First POST → last audit span received. */
  wallMs: number;
  /** Batch POSTed → span received, ascending. */
  latencies: number[];
  status: ReceiverStatus;
}

const startupTimeoutMs = 60_000;

/**
 * POSTs the warm-up batches once the server listens, and waits for their spans (the original's first discovery
 * takes 5 s). Also the memory bench's warm-up.
 */
export async function warmUp(server: { side: string; url: string; logFile: string }, receiver: Receiver): Promise<void> {
  const deadline = Date.now() + startupTimeoutMs;
  let sent = 0;
  for (const items of warmUpBatches()) {
    for (;;) {
      const res = await fetch(server.url, { method: 'POST', body: eventList(items) }).catch((err: Error) => err);
      if (!(res instanceof Error) && res.status === 200) break;
      if (Date.now() > deadline) throw new Error(`${server.side} server did not take a warm-up batch in ${startupTimeoutMs / 1000} s (${res instanceof Error ? res.message : res.status}); see ${server.logFile}`);
      await sleep(200);
    }
    sent += items.length;
  }
  while ((await receiver.status()).warm < sent) {
    if (Date.now() > deadline) throw new Error(`${server.side} server exported only ${(await receiver.status()).warm}/${sent} warm-up spans; see ${server.logFile}`);
    await sleep(100);
  }
}

function generatorArgs(opts: Options, rate: number): string[] {
  const { events, objects, batch, concurrency } = opts;
  return Object.entries({ events, objects, batch, concurrency, rate }).flatMap(([k, v]) => [`--${k}`, String(v)]);
}

/** Batch POSTed → first arrival, per audit span; auditIDs are `bench-<n>-…` and batch k holds events k·batch…. */
function latencies(arrivals: Record<string, number>, gen: Generated, batch: number): number[] {
  const out: number[] = [];
  for (const [id, at] of Object.entries(arrivals)) {
    const posted = gen.postedAtMs[Math.floor(Number(id.split('-')[1]) / batch)];
    if (posted !== undefined) out.push(at - posted);
  }
  return ascending(out);
}

export async function runPhase(side: Side, rate: number, opts: Options, receiver: Receiver, settings: ServerSettings): Promise<PhaseResult> {
  const server = await startServer(side, settings);
  try {
    await receiver.reset();
    await warmUp(server, receiver);
    await receiver.reset();
    const sampling = sampleProcess(server.pid);
    const gen = await runGenerator(server.url, generatorArgs(opts, rate));
    let status = await receiver.status();
    const nudge = async () => void (status = await receiver.status());
    await settle({ done: () => status.received >= gen.sent, progress: () => status.received, idleMs: 5_000, pollMs: 100, nudge });
    const usage = sampling.stop();
    status = await receiver.status();
    const wallMs = (status.lastArrivalMs || Date.now()) - gen.startedAtMs;
    return { side, rate, gen, usage, wallMs, latencies: latencies(await receiver.arrivals(), gen, opts.batch), status };
  } finally {
    await server.stop();
  }
}
