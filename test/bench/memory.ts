/**
 * `npm run bench -- memory [options]`: where this project's server process keeps its memory under the audit
 * stream. Runs `kelemetry run` (compiled, as shipped) as a process of its own with the given Node flags,
 * exporting to the peer bench's receiver process, and samples its RSS (/proc) and V8's heap breakdown
 * (heap used/total, young and old spaces, external and array buffers, from its Prometheus endpoint) while the
 * generator POSTs the stream. Optionally writes a heap snapshot at a given point of the run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settle } from './common/settle.ts';
import { runGenerator } from './audit/generate.ts';
import { sampleProcess } from './audit/peer/procUsage.ts';
import { startReceiver } from './audit/peer/receiver.ts';
import { oursEntry } from './audit/peer/servers.ts';
import { parseMemoryOptions } from './memory/options.ts';
import { formatMemoryReport } from './memory/report.ts';
import { sampleServer } from './memory/sampler.ts';
import { warmUp } from './audit/peer/phase.ts';
import { startMeasuredServer } from './memory/server.ts';

export { usage } from './memory/options.ts';

export async function main(args: string[]): Promise<void> {
  const opts = parseMemoryOptions(args);
  const entry = opts.entry ?? (await oursEntry(false));
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-bench-memory-'));
  const receiver = await startReceiver();
  const server = await startMeasuredServer({ entry, otlp: receiver.endpoint, dir, nodeFlags: opts.nodeFlags, partitions: opts.partitions });
  try {
    await warmUp({ side: 'ours', ...server }, receiver);
    await receiver.reset();
    const sampling = sampleServer(server, { snapshotAtMs: opts.snapshotAtMs });
    const cpu = sampleProcess(server.pid);
    const gen = await runGenerator(server.url, opts.generatorArgs);
    let status = await receiver.status();
    const nudge = async () => void (status = await receiver.status());
    await settle({ done: () => status.received >= gen.sent, progress: () => status.received, idleMs: 5_000, pollMs: 100, nudge });
    const samples = await sampling.stop();
    const { cpuSeconds } = cpu.stop();
    const wallMs = (status.lastArrivalMs || Date.now()) - gen.startedAtMs;
    console.log(formatMemoryReport({ opts, args, gen, samples, wallMs, received: status.received, cpuSeconds, snapshotDir: dir }));
  } finally {
    await server.stop();
    await receiver.stop();
  }
}
