/**
 * One scenario's run: a `kelemetry run` child process (audit webhook → queue → consumer → OTLP export through a
 * TCP proxy to the environment's Jaeger), steady audit load, the scenario's fault, then the count in Jaeger.
 */
import type { EnvironmentInfo } from '../../envtest/environment.ts';
import { freePorts } from '../../envtest/ports.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { sleep } from '../../runtime/util/sleep.ts';
import type { JaegerCounter } from './count.ts';
import { EventSource } from './events.ts';
import { Load } from './load.ts';
import type { SuiteOptions } from './options.ts';
import { TcpProxy } from './proxy.ts';
import { RuntimeProcess } from './runtime.ts';
import { BatchSender } from './sender.ts';

export interface SuiteContext {
  env: EnvironmentInfo;
  opts: SuiteOptions;
  /** Configs and logs of the runtime processes. */
  dir: string;
  counter: JaegerCounter;
}

export interface Row {
  scenario: string;
  /** 'ok': nothing lost or duplicated; 'loss': some; 'fail': a check of the fault failed; 'n/a': not available here; 'error': the run failed. */
  status: 'ok' | 'loss' | 'fail' | 'n/a' | 'error';
  sent: number;
  accepted: number;
  gaveUp: number;
  found: number;
  lost: number;
  duplicated: number;
  /** Redelivered copies with the same span ID (not seen by readers: the plugin drops them). */
  copies: number;
  split: number;
  /** End of the fault → an event posted then readable in Jaeger, ms. */
  recoverMs?: number;
  /** The sender's answers by status ('refused', 'reset', 'timeout' for connection failures). */
  answers: Record<string, number>;
  notes: string[];
}

export class NotAvailable extends Error {}

/** What a scenario's fault can reach. */
export interface Running {
  ctx: SuiteContext;
  runtime: RuntimeProcess;
  proxy: TcpProxy;
  load: Load;
  sender: BatchSender;
  source: EventSource;
  ports: { webhook: number; metrics: number; grpc: number; http: number };
  notes: string[];
  /** Checks of the fault that failed (a good request not served, the runtime crashed …): the row fails. */
  failures: string[];
}

export interface LoadedRunOptions {
  name: string;
  /** Adds to the runtime config (stores, capacity, plugin …). */
  configure?: (doc: RuntimeDoc, r: { ports: Running['ports'] }) => void;
  /** The sender's first retry delay, when not the suite's (--backoff). */
  backoffMs?: number;
  /** Injects the fault; resolves when it is over (the component is back). */
  fault: (r: Running) => Promise<void>;
}

export type RuntimeDoc = Record<string, Record<string, unknown> | unknown[]>;

function queueConfig(ctx: SuiteContext): Record<string, unknown> {
  if (ctx.opts.queue === 'memory') return {};
  return { backend: 'redis', redis: { address: `${ctx.env.redis.host}:${ctx.env.redis.port}` } };
}

function runtimeConfig(ctx: SuiteContext, run: string, cluster: string, ports: Running['ports'], otlp: string): RuntimeDoc {
  return {
    clusters: [{ name: cluster }],
    tracer: { otlpEndpoint: otlp, scheduledDelay: '200ms', eventSpanTags: { faultRun: run } },
    audit: { webhook: { listen: `127.0.0.1:${ports.webhook}` }, queue: { partitions: 8, ...queueConfig(ctx) } },
    metrics: { listen: `127.0.0.1:${ports.metrics}` },
  };
}

/** Refuses a redis queue the runtime's config schema does not know (zod drops unknown keys silently). */
function checkQueueBackend(ctx: SuiteContext, doc: RuntimeDoc): void {
  if (ctx.opts.queue === 'memory') return;
  const queue = parseConfig(doc).audit?.queue as Record<string, unknown> | undefined;
  if (queue?.backend !== 'redis') throw new NotAvailable('audit.queue.backend is not in this runtime\'s config schema (no durable queue yet)');
}

export async function loadedRun(ctx: SuiteContext, o: LoadedRunOptions): Promise<Row> {
  const run = `${o.name}-${Date.now().toString(36)}`;
  const [webhook, metrics, grpc, http] = (await freePorts(4)) as [number, number, number, number];
  const ports = { webhook, metrics, grpc, http };
  const [host, port] = ctx.env.jaeger.storage.otlpGrpc.split(':') as [string, string];
  const proxy = new TcpProxy({ host, port: Number(port) });
  await proxy.up();
  const cluster = `f-${o.name}`;
  const doc = runtimeConfig(ctx, run, cluster, ports, proxy.address);
  o.configure?.(doc, { ports });
  checkQueueBackend(ctx, doc);
  const runtime = new RuntimeProcess(o.name, doc, ctx.dir, `http://127.0.0.1:${metrics}`);
  const notes: string[] = [];
  try {
    await runtime.start();
    const sender = new BatchSender({ url: `http://127.0.0.1:${webhook}/audit/${cluster}`, initialBackoffMs: o.backoffMs ?? ctx.opts.backoffMs });
    const source = new EventSource(run, ctx.opts.objects);
    const startedMs = Date.now();
    const load = new Load(source, sender, ctx.opts.rate);
    const failures: string[] = [];
    const running: Running = { ctx, runtime, proxy, load, sender, source, ports, notes, failures };
    await sleep(ctx.opts.phaseMs);
    await o.fault(running);
    const recovery = measureRecovery(ctx, run, sender, source, startedMs);
    await sleep(ctx.opts.phaseMs);
    await load.stop();
    const recoverMs = await recovery;
    const found = await ctx.counter.settle(run, sender.accepted, startedMs, { idleMs: 10_000, timeoutMs: 90_000 });
    notes.push(...(await dropNotes(runtime)));
    if (!runtime.running()) failures.push(`the runtime exited; log tail:\n${runtime.tail(10)}`);
    notes.push(...failures.map((f) => `FAILED: ${f}`));
    sender.close();
    const t = sender.totals;
    if (t.retries || t.gaveUp) notes.push(`retries ${t.retries} (answers ${JSON.stringify(t.answers)})`);
    return {
      scenario: o.name,
      status: failures.length ? 'fail' : found.lost || found.duplicated ? 'loss' : 'ok',
      sent: t.sent,
      accepted: t.accepted,
      gaveUp: t.gaveUp,
      found: found.spans,
      lost: found.lost,
      duplicated: found.duplicated,
      copies: found.copies,
      split: found.split,
      recoverMs,
      answers: t.answers,
      notes,
    };
  } catch (err) {
    if (runtime.logFile) notes.push(`runtime log ${runtime.logFile}`);
    throw Object.assign(err as Error, { notes });
  } finally {
    await runtime.stop();
    await proxy.down();
  }
}

/** Posts one event now and waits until its span is readable in Jaeger; ms it took, undefined if never. */
async function measureRecovery(ctx: SuiteContext, run: string, sender: BatchSender, source: EventSource, startedMs: number): Promise<number | undefined> {
  const since = Date.now();
  const [probe] = source.next(1);
  if (!(await sender.deliver([probe!]))) return undefined;
  const deadline = since + 120_000;
  while (Date.now() < deadline) {
    if (await ctx.counter.has(run, probe!.auditID!, startedMs).catch(() => false)) return Date.now() - since;
    await sleep(250);
  }
  return undefined;
}

/** Spans the runtime itself counted as dropped, by reason (from its /metrics). */
async function dropNotes(runtime: RuntimeProcess): Promise<string[]> {
  if (!runtime.running()) return [];
  try {
    const text = await (await fetch(`${runtime.metricsUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const drops = [...text.matchAll(/^tracer_spans_dropped_total\{reason="([^"]+)"\} (\d+)/gm)].filter((m) => m[2] !== '0');
    return drops.map((m) => `runtime dropped ${m[2]} spans (${m[1]})`);
  } catch {
    return [];
  }
}
