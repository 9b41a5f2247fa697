/** `kelemetry run` as the measured process, with its metrics endpoint for V8's own figures. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../envtest/ports.ts';
import { startLogged } from '../common/process.ts';

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
