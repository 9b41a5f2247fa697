/**
 * `npm run bench -- startup [--runs 5] [--roles plugin,consumer] [--kubeconfig FILE]`
 *
 * Start-up of each role, three ways: compiled (`npm run build`, `dist/cli/main.js`) on this Node, compiled
 * on the image's Node 24 binary (envtest/images/nodeRuntime.ts, what the image runs), and the TypeScript
 * sources through tsx on this Node (`bin/kelemetry.js` with KELEMETRY_FROM_SOURCES=1, the former start).
 * Measured: time from spawn to the role's ready log line, and the process's RSS then (idle: nothing is sent
 * to it). Runs alternate between the three, so machine load hits all alike. The informers and operator
 * roles need an API server: pass --kubeconfig (e.g. from `npm run env -- up`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNodeRuntime, nodeRuntime } from '../../envtest/images/nodeRuntime.ts';
import { stderrLogger } from '../../envtest/log.ts';
import { BenchArgs } from './common/args.ts';
import { ascending, percentile } from './common/stats.ts';

export const usage = `usage: npm run bench -- startup [--runs N] [--roles a,b] [--kubeconfig FILE]
  --runs N            start-ups per role and runtime (default 5); needs a build first: npm run build
  --roles a,b         some of plugin, consumer, informers, operator (default: plugin,consumer, plus
                      informers,operator with --kubeconfig)
  --kubeconfig FILE   API server for the informers and operator roles`;

const repo = join(import.meta.dirname, '..', '..');
const compiled = join(repo, 'dist', 'cli', 'main.js');

interface Runtime {
  name: string;
  node: string;
  entry: string;
  env?: Record<string, string>;
}

interface Role {
  /** Arguments after the entry point; `dir` holds the role's config files. */
  args(dir: string): string[];
  ready: RegExp;
}

const listenOnly = 'metrics: {listen: "127.0.0.1:0"}\n';
const roles: Record<string, (kubeconfig?: string) => Role> = {
  // The frontend's storage plugin loads the most code (gRPC, protos, display modes); nothing needs to answer on port 1.
  plugin: () => config('clusters: [{name: c1}]\nplugin: {grpcListen: "127.0.0.1:0", backend: {remoteStorage: "127.0.0.1:1"}}\n'),
  consumer: () => config('clusters: [{name: c1}]\naudit: {webhook: {listen: "127.0.0.1:0"}}\ntracer: {otlpEndpoint: "127.0.0.1:1"}\n'),
  informers: (kubeconfig) => config(`clusters: [{name: c1, kubeconfig: ${JSON.stringify(kubeconfig)}}]\ninformers: {}\ntracer: {otlpEndpoint: "127.0.0.1:1"}\n`),
  operator: (kubeconfig) => ({ args: () => ['operator', '--kubeconfig', kubeconfig!, '--metrics-listen', '127.0.0.1:0'], ready: /leading: starting controllers/ }),
};

function config(yaml: string): Role {
  return {
    args: (dir) => {
      const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, yaml + listenOnly);
      return ['run', '--config', file];
    },
    ready: /startup complete/,
  };
}

interface Sample {
  ms: number;
  rssMiB: number;
}

/** One start-up: spawn, wait for the ready line on stderr, read RSS, stop with SIGTERM. */
function startOnce(runtime: Runtime, args: string[], ready: RegExp): Promise<Sample> {
  const t0 = performance.now();
  const child = spawn(runtime.node, [runtime.entry, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...runtime.env } });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${runtime.name} ${args.join(' ')} exited (${code}) before it was ready:\n${stderr}`)));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!ready.test(stderr)) return;
      const ms = performance.now() - t0;
      const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
      child.removeAllListeners('exit');
      child.stderr.removeAllListeners('data');
      child.once('exit', () => resolve({ ms, rssMiB: rssKiB / 1024 }));
      child.kill('SIGTERM');
    });
  });
}

function row(role: string, runtime: string, samples: Sample[]): string {
  const ms = ascending(samples.map((s) => s.ms));
  const rss = ascending(samples.map((s) => s.rssMiB));
  return `| ${role} | ${runtime} | ${percentile(ms, 50).toFixed(0)} ms | ${ms[ms.length - 1]!.toFixed(0)} ms | ${percentile(rss, 50).toFixed(0)} MiB |`;
}

export async function main(args: string[]): Promise<void> {
  const opts = new BenchArgs(args, ['runs', 'roles', 'kubeconfig']);
  const runs = opts.positiveInteger('runs', 5);
  const kubeconfig = opts.string('kubeconfig');
  const chosen = (opts.string('roles') ?? (kubeconfig ? 'plugin,consumer,informers,operator' : 'plugin,consumer')).split(',');
  for (const r of chosen) {
    if (!roles[r]) throw new Error(`unknown role ${r} (choose from ${Object.keys(roles).join(', ')})`);
    if ((r === 'informers' || r === 'operator') && !kubeconfig) throw new Error(`role ${r} needs --kubeconfig`);
  }
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run 'npm run build' first`);
  const node24 = await ensureNodeRuntime(stderrLogger);
  const here = `node ${process.version.replace(/^v/, '')}`;
  const runtimes: Runtime[] = [
    { name: `compiled, ${here}`, node: process.execPath, entry: compiled },
    { name: `compiled, image's node ${nodeRuntime.version}`, node: node24, entry: compiled },
    { name: `tsx, ${here}`, node: process.execPath, entry: join(repo, 'bin', 'kelemetry.js'), env: { KELEMETRY_FROM_SOURCES: '1' } },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-bench-startup-'));
  const lines = ['| role | runtime | ready p50 | ready max | idle RSS p50 |', '|---|---|---|---|---|'];
  try {
    for (const name of chosen) {
      const role = roles[name]!(kubeconfig);
      const samples = runtimes.map(() => [] as Sample[]);
      for (let i = 0; i < runs; i++) {
        for (const [j, runtime] of runtimes.entries()) samples[j]!.push(await startOnce(runtime, role.args(dir), role.ready));
      }
      runtimes.forEach((runtime, j) => lines.push(row(name, runtime.name, samples[j]!)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(lines.join('\n'));
  console.log(`\nreproduce: npm run build && npm run bench -- ${['startup', ...args].join(' ')}`);
}
