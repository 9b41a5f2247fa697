/**
 * `kelemetry run --config FILE [--set path=value ...]`: validates the config, starts the components it
 * enables, and stops them in reverse order on SIGTERM or SIGINT.
 *
 * `--set` overrides one field before validation (value parsed as YAML, e.g. `--set audit.queue.partitions=16`
 * or `--set tracer.otlpEndpoint=collector:4317`); `KELEMETRY_CONFIG` names the file when `--config` is absent.
 * A bad config exits with status 2 and the validation message naming the field.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { startApp } from '../../app/app.ts';
import { ConfigError, parseConfig } from '../../runtime/config/load.ts';
import type { Config } from '../../runtime/config/schema.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { sleep } from '../../runtime/util/sleep.ts';
import { nextStopSignal } from '../signals.ts';

const usage = `usage: kelemetry run --config FILE [--set path=value ...]

  --config FILE       YAML or JSON runtime config (default: $KELEMETRY_CONFIG)
  --set path=value    override one field, e.g. --set audit.queue.partitions=16 (value parsed as YAML)
  --shutdown-delay    seconds to keep serving after SIGTERM, not ready, before stopping (default 0;
                      in a pod, time for the Service's endpoints to drop it so no request is refused)
  --shutdown-timeout  seconds to wait for components to stop, after the delay (default 15)`;

interface Args {
  config?: string;
  sets: string[];
  shutdownTimeoutS: number;
  shutdownDelayS: number;
  help: boolean;
}

function parseArgs(args: string[]): Args {
  const out: Args = { config: process.env.KELEMETRY_CONFIG, sets: [], shutdownTimeoutS: 15, shutdownDelayS: 0, help: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--help' || flag === '-h') out.help = true;
    else if (flag === '--config' || flag === '-c') out.config = value();
    else if (flag === '--set') out.sets.push(value());
    else if (flag === '--shutdown-timeout') out.shutdownTimeoutS = seconds(flag, value());
    else if (flag === '--shutdown-delay') out.shutdownDelayS = seconds(flag, value());
    else throw new Error(`unknown option ${flag}`);
  }
  return out;
}

function seconds(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`${flag} wants a number of seconds, not "${v}"`);
  return n;
}

/** Sets `a.b.0.c` in a parsed document, creating objects on the way. */
export function applyOverride(doc: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ConfigError('--set', [`"${assignment}": want path=value`]);
  const path = assignment.slice(0, eq).split('.');
  const value: unknown = parse(assignment.slice(eq + 1));
  let node: Record<string, unknown> = doc;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (next === undefined || next === null) node[part] = {};
    else if (typeof next !== 'object') throw new ConfigError('--set', [`${path.join('.')}: ${part} is not an object`]);
    node = node[part] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

export function loadRunConfig(file: string, sets: string[]): Config {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new ConfigError(file, [`cannot read or parse: ${(err as Error).message}`]);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigError(file, ['(top level): want a mapping']);
  for (const s of sets) applyOverride(doc as Record<string, unknown>, s);
  return parseConfig(doc, sets.length ? `${file} (with --set)` : file);
}

export async function run(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    console.error(`kelemetry run: ${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    console.log(usage);
    return 0;
  }
  if (!args.config) {
    console.error(`kelemetry run: --config FILE is required\n\n${usage}`);
    return 2;
  }
  let config: Config;
  try {
    config = loadRunConfig(args.config, args.sets);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }

  const logger = createLogger({}, { app: 'kelemetry' });
  const { config: file, sets } = args;
  // Listen before starting: a SIGTERM during start-up is then handled once the components are up. (As PID 1 in
  // a container, a signal without a handler is ignored by the kernel, so one sent early would be lost.)
  const stopSignal = nextStopSignal();
  const app = await startApp({ config, logger, reloadConfig: () => loadRunConfig(file, sets) });
  const signal = await stopSignal;
  if (args.shutdownDelayS > 0) {
    logger.info('terminating: not ready, still serving until the delay ends', { signal, delaySeconds: args.shutdownDelayS });
    app.terminating();
    // A second signal cuts the delay short.
    const delay = new AbortController();
    await Promise.race([sleep(args.shutdownDelayS * 1000, delay.signal), nextStopSignal()]);
    delay.abort();
  }
  logger.info('shutting down', { signal });
  const timeout = new AbortController();
  const stopped = await Promise.race([app.stop().then(() => true), sleep(args.shutdownTimeoutS * 1000, timeout.signal).then(() => false)]);
  timeout.abort();
  const code = stopped ? 0 : 1;
  if (!stopped) logger.error('components did not stop in time; exiting anyway', { timeoutSeconds: args.shutdownTimeoutS });
  // Client libraries may keep sockets alive for a while after close; do not let them delay the exit.
  setTimeout(() => process.exit(code), 2_000).unref();
  return code;
}
