/**
 * The two implementations as server processes with equivalent settings: audit webhook → per-object partitioned
 * queue → consumer → memory span cache → OTLP/gRPC export to the bench's receiver, no diff decorator, no
 * linkers, Prometheus metrics on, warnings-only logs (to a file). What makes them equivalent:
 *
 *   this project (config)                  original (flags / env)
 *   audit.queue.partitions: N              --audit-consumer-partition=0..N-1 --mq-local-partition-by-object
 *                                          --audit-producer-partition-key-type=object
 *   stores.spanCache.backend: memory       --span-cache=local
 *   tracer.otlpEndpoint (insecure)         --tracer-otel-endpoint --tracer-otel-insecure
 *   tracer.scheduledDelay: 200ms           OTEL_BSP_SCHEDULE_DELAY=200 (Go SDK default 5 s); the upper
 *     bound here: a burst is exported once no span has ended for 10 ms (the Go SDK has no such rule)
 *   tracer.maxQueueSize 65536 (default)    OTEL_BSP_MAX_QUEUE_SIZE=65536 (default 2048, per service name)
 *   tracer.maxExportBatchSize 2048 (dflt)  OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2048 (default 512)
 *   tracer.exportTimeout 10s (default)     OTEL_BSP_EXPORT_TIMEOUT=10000 (default 30 s)
 *   (no diff decorator without informers)  --diff-decorator-enable=false, --linker-worker-count=0
 *   metrics always on                      --metrics=prom
 *   KELEMETRY_LOG_LEVEL=warn               --log-level=warning, GIN_MODE=release
 *   node --max-semi-space-size=8 …         (Go's defaults) — the consumer pod's NODE_OPTIONS, `--ours-node-flags`
 *
 * The original also needs an apiserver (discovery, filter ConfigMap): the bench's fake one (fakeApiserver.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../../envtest/ports.ts';
import { startLogged, type LoggedProcess } from '../../common/process.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');

export type Side = 'ours' | 'upstream';

export interface ServerProcess {
  side: Side;
  pid: number;
  /** Where to POST audit events. */
  url: string;
  /** The server's log, for a failure message. */
  logFile: string;
  stop(): Promise<void>;
}

export interface ServerSettings {
  /** This project's CLI entry: compiled (compileOurs) or the sources' bin/kelemetry.js. */
  oursEntry: string;
  /** Node/V8 flags for this project's server process (`--ours-node-flags`; by default the consumer pod's NODE_OPTIONS). */
  oursNodeFlags: string[];
  /** OTLP receiver host:port. */
  otlp: string;
  partitions: number;
  /** Scratch folder for configs and logs. */
  dir: string;
  /** The original's binary. */
  upstreamBinary: string;
  /** The fake apiserver's URL, for the original. */
  apiserverUrl: string;
}

const batchMs = 200;

/**
 * This project's `kelemetry` entry point as shipped (compiled by scripts/build.js into a folder of the checkout, so
 * node_modules resolves), or with `fromSources` bin/kelemetry.js, which runs dist/ when current, else tsx.
 */
export async function oursEntry(fromSources: boolean): Promise<string> {
  if (fromSources) return join(repoRoot, 'bin', 'kelemetry.js');
  const out = join(repoRoot, '.kelemetry', 'bench-dist');
  await promisify(execFile)(process.execPath, [join(repoRoot, 'scripts', 'build.js'), '--out', out], { cwd: repoRoot });
  return join(out, 'cli', 'main.js');
}

function spawnServer(side: Side, command: string, args: string[], env: Record<string, string>, s: ServerSettings, url: string): ServerProcess {
  const p = startLogged(side, command, args, { dir: s.dir, env, cwd: repoRoot });
  return { side, url, ...p };
}

/**
 * `kelemetry run` as a bench server: the audit webhook, the memory queue with `partitions`, export over
 * OTLP to `otlp` every 200 ms at the latest, and the metrics endpoint. Also the memory bench's server.
 */
export async function startOursServer(o: { entry: string; otlp: string; dir: string; nodeFlags: string[]; partitions: number; cwd?: string }): Promise<LoggedProcess & { url: string; metricsUrl: string }> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const config = {
    clusters: [{ name: 'bench' }],
    tracer: { otlpEndpoint: o.otlp, scheduledDelay: `${batchMs}ms` },
    metrics: { listen: `127.0.0.1:${metricsPort}` },
    audit: { webhook: { listen: `127.0.0.1:${port}` }, queue: { partitions: o.partitions } },
  };
  const file = join(o.dir, 'ours.json');
  writeFileSync(file, JSON.stringify(config));
  const args = [...o.nodeFlags, o.entry, 'run', '--config', file];
  const p = startLogged('ours', process.execPath, args, { dir: o.dir, env: { KELEMETRY_LOG_LEVEL: 'warn' }, cwd: o.cwd ?? repoRoot });
  return { ...p, url: `http://127.0.0.1:${port}/audit/bench`, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

async function startOurs(s: ServerSettings): Promise<ServerProcess> {
  return { side: 'ours', ...(await startOursServer({ entry: s.oursEntry, otlp: s.otlp, dir: s.dir, nodeFlags: s.oursNodeFlags, partitions: s.partitions })) };
}

async function startUpstream(s: ServerSettings): Promise<ServerProcess> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const partitions = Array.from({ length: s.partitions }, (_, i) => i).join(',');
  const args = [
    '--log-level=warning',
    `--http-address=127.0.0.1`,
    `--http-port=${port}`,
    '--metrics=prom',
    '--metrics-address=127.0.0.1',
    `--metrics-port=${metricsPort}`,
    '--audit-webhook-enable',
    '--audit-producer-enable',
    '--audit-producer-partition-key-type=object',
    '--mq=local',
    '--mq-local-partition-by-object',
    '--audit-consumer-enable',
    `--audit-consumer-partition=${partitions}`,
    '--span-cache=local',
    '--tracer=otel',
    `--tracer-otel-endpoint=${s.otlp}`,
    '--tracer-otel-insecure',
    '--diff-decorator-enable=false',
    '--linker-worker-count=0',
    '--kube-target-cluster=bench',
    `--kube-apiservers=bench=${s.apiserverUrl}`,
  ];
  const env = { GIN_MODE: 'release', OTEL_BSP_SCHEDULE_DELAY: String(batchMs), OTEL_BSP_MAX_QUEUE_SIZE: '65536', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048', OTEL_BSP_EXPORT_TIMEOUT: '10000' };
  return spawnServer('upstream', s.upstreamBinary, args, env, s, `http://127.0.0.1:${port}/audit/bench`);
}

export function startServer(side: Side, s: ServerSettings): Promise<ServerProcess> {
  return side === 'ours' ? startOurs(s) : startUpstream(s);
}
