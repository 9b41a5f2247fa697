/**
 * `npm run bench -- audit --peer upstream`: this project and the original Kelemetry on the same generated
 * audit stream, alternating, as server processes with equivalent settings (servers.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureUpstreamKelemetry } from '../../../../envtest/tools.ts';
import type { Options } from '../options.ts';
import { startFakeApiserver } from './fakeApiserver.ts';
import { runPhase } from './phase.ts';
import { startReceiver } from './receiver.ts';
import { formatPeerReport, type Round } from './report.ts';
import { oursEntry, type ServerSettings, type Side } from './servers.ts';

const log = (msg: string) => console.error(msg);

export async function runPeer(opts: Options, args: string[]): Promise<void> {
  const upstreamBinary = await ensureUpstreamKelemetry(log);
  if (!opts.fromSources) log('compiling this project (scripts/build.js)');
  const entry = await oursEntry(opts.fromSources);
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-bench-peer-'));
  const receiver = await startReceiver();
  const apiserver = await startFakeApiserver();
  const settings: ServerSettings = { oursEntry: entry, oursNodeFlags: opts.oursNodeFlags, otlp: receiver.endpoint, partitions: opts.partitions, dir, upstreamBinary, apiserverUrl: apiserver.url };
  const rounds: Round[] = [];
  let failed = true;
  try {
    for (let round = 0; round < opts.rounds; round++) {
      // Alternate which goes first, so drift in the machine's load falls on both.
      const order: Side[] = round % 2 === 0 ? ['ours', 'upstream'] : ['upstream', 'ours'];
      for (const side of order) {
        log(`round ${round + 1}/${opts.rounds}: ${side}, unpaced`);
        const unpaced = await runPhase(side, 0, opts, receiver, settings);
        log(`round ${round + 1}/${opts.rounds}: ${side}, paced at ${opts.pacedRate}/s`);
        const paced = await runPhase(side, opts.pacedRate, opts, receiver, settings);
        rounds.push({ side, round, unpaced, paced });
      }
    }
    failed = false;
  } finally {
    await receiver.stop();
    await apiserver.stop();
    // Keep the servers' logs when something failed (the error names the file).
    if (!failed) rmSync(dir, { recursive: true, force: true });
  }
  console.log(formatPeerReport(opts, args, rounds, { ours: [...opts.oursNodeFlags, entry].join(' '), upstream: upstreamBinary }));
}
