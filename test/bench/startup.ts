/**
 * `npm run bench -- startup [--runs 5]`
 *
 * Start-up of one role, compiled (`npm run build`, `node dist/cli/main.js`, what the image runs) beside the
 * TypeScript sources through tsx (`bin/kelemetry.js`, what a clone runs): time from spawn to the
 * "startup complete" log line of `kelemetry run` with the storage plugin enabled, and the process's RSS
 * at that moment. Runs alternate between the two, so machine load hits both alike.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchArgs } from './common/args.ts';
import { ascending, percentile } from './common/stats.ts';

export const usage = `usage: npm run bench -- startup [--runs N]
  --runs N   start-ups per entry point (default 5); needs a build first: npm run build`;

const repo = join(import.meta.dirname, '..', '..');
const entries = { compiled: join(repo, 'dist', 'cli', 'main.js'), tsx: join(repo, 'bin', 'kelemetry.js') };

interface Sample {
  ms: number;
  rssMiB: number;
}

/** One start-up: spawn, wait for "startup complete" on stderr, read RSS, stop with SIGTERM. */
function startOnce(entry: string, config: string): Promise<Sample> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [entry, 'run', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before start-up completed:\n${stderr}`)));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!stderr.includes('startup complete')) return;
      const ms = performance.now() - t0;
      const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
      child.removeAllListeners('exit');
      child.stderr.removeAllListeners('data');
      child.once('exit', () => resolve({ ms, rssMiB: rssKiB / 1024 }));
      child.kill('SIGTERM');
    });
  });
}

function row(name: string, samples: Sample[]): string {
  const ms = ascending(samples.map((s) => s.ms));
  const rss = ascending(samples.map((s) => s.rssMiB));
  return `| ${name} | ${percentile(ms, 50).toFixed(0)} ms | ${ms[ms.length - 1]!.toFixed(0)} ms | ${percentile(rss, 50).toFixed(0)} MiB |`;
}

export async function main(args: string[]): Promise<void> {
  const runs = new BenchArgs(args, ['runs']).positiveInteger('runs', 5);
  if (!existsSync(entries.compiled)) throw new Error(`${entries.compiled} is missing: run 'npm run build' first`);
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-bench-startup-'));
  const config = join(dir, 'plugin.yaml');
  // The plugin role: it loads the most code (gRPC, protos, display modes). Nothing needs to answer on port 1.
  writeFileSync(config, 'clusters: [{name: c1}]\nmetrics: {listen: "127.0.0.1:0"}\nplugin: {grpcListen: "127.0.0.1:0", backend: {remoteStorage: "127.0.0.1:1"}}\n');
  const samples: Record<keyof typeof entries, Sample[]> = { compiled: [], tsx: [] };
  try {
    for (let i = 0; i < runs; i++) {
      for (const name of ['compiled', 'tsx'] as const) samples[name].push(await startOnce(entries[name], config));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(['| entry point | ready p50 | ready max | RSS p50 |', '|---|---|---|---|', row('compiled (dist/cli/main.js)', samples.compiled), row('tsx (bin/kelemetry.js)', samples.tsx)].join('\n'));
  console.log(`\nreproduce: npm run build && npm run bench -- startup --runs ${runs}`);
}
