/** `kelemetry run` as the measured process, with its metrics endpoint for V8's own figures. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../envtest/ports.ts';
import { startLogged } from '../common/process.ts';
import { sleep } from '../../../runtime/util/sleep.ts';
import { eventList } from '../audit/generate.ts';
import type { Receiver } from '../audit/peer/receiver.ts';
import { warmUpBatches } from '../audit/stream.ts';

export interface MeasuredServer {
  pid: number;
  /** Where to POST audit events. */
  url: string;
  metricsUrl: string;
  logFile: string;
  /** Where --heapsnapshot-signal writes. */
  dir: string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  entry: string;
  otlp: string;
  dir: string;
  nodeFlags: string[];
  partitions: number;
}

export async function startMeasuredServer(o: ServerOptions): Promise<MeasuredServer> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const config = {
    clusters: [{ name: 'bench' }],
    tracer: { otlpEndpoint: o.otlp, scheduledDelay: '200ms' },
    metrics: { listen: `127.0.0.1:${metricsPort}` },
    audit: { webhook: { listen: `127.0.0.1:${port}` }, queue: { partitions: o.partitions } },
  };
  const file = join(o.dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const args = [...o.nodeFlags, '--heapsnapshot-signal=SIGUSR2', o.entry, 'run', '--config', file];
  const p = startLogged('server', process.execPath, args, { dir: o.dir, cwd: o.dir, env: { KELEMETRY_LOG_LEVEL: 'warn' } });
  return { ...p, url: `http://127.0.0.1:${port}/audit/bench`, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, dir: o.dir };
}

/** POSTs the audit bench's warm-up batches once the server listens and waits for their spans. */
export async function warmUp(server: MeasuredServer, receiver: Receiver): Promise<void> {
  const batches = warmUpBatches();
  const deadline = Date.now() + 60_000;
  for (const items of batches) {
    for (;;) {
      const res = await fetch(server.url, { method: 'POST', body: eventList(items) }).catch((err: Error) => err);
      if (!(res instanceof Error) && res.status === 200) break;
      if (Date.now() > deadline) throw new Error(`server did not take the warm-up batches in 60 s; see ${server.logFile}`);
      await sleep(200);
    }
  }
  const total = batches.reduce((n, b) => n + b.length, 0);
  while ((await receiver.status()).warm < total) {
    if (Date.now() > deadline) throw new Error(`server did not export the warm-up spans in 60 s; see ${server.logFile}`);
    await sleep(100);
  }
}
