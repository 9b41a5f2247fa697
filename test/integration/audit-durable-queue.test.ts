/**
 * The durable audit queue (Redis Streams) under a consumer crash: two runtimes share one real Redis
 * (the environment's redis-server), audit batches are POSTed to both, one is SIGKILLed mid-load, and
 * every accepted event's span must reach the sink (a file each runtime appends exported spans to) once
 * after the query side's span-ID dedupe: all copies of one event share one span ID. Per object, no
 * event is processed before an earlier one of the same object.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { auditEvent, eventList } from '../../runtime/audit/testdata.ts';
import { sleep } from '../../runtime/util/sleep.ts';
import type { SinkLine, WorkerJob } from './audit-queue-worker.ts';
import { runInTerminal, type TerminalRun } from './helpers/processes.ts';

const env = inject('env');
const run = randomBytes(3).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'kelemetry-durable-'));
const PARTITIONS = 4;
const OBJECTS = 30;
const EVENTS_PER_OBJECT = 20;
const BATCH = 15;

interface Worker {
  run: TerminalRun;
  url: string;
  metrics: string;
  sinkFile: string;
}

const workers: Worker[] = [];

async function startWorker(replica: string): Promise<Worker> {
  const sinkFile = join(dir, `${replica}.jsonl`);
  const job: WorkerJob = {
    redis: `${env.redis.host}:${env.redis.port}`,
    streamPrefix: `kelemetry-test:${run}`,
    spanPrefix: `/span-durable-${run}/`,
    sinkFile,
    replica,
    partitions: PARTITIONS,
    delayMs: 40,
  };
  const r = runInTerminal(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'audit-queue-worker.ts'), JSON.stringify(job)], { cwd: process.cwd(), env: process.env });
  await r.waitFor('"url"', 60_000);
  const line = r.output().split('\n').find((l) => l.startsWith('{"url"'))!;
  const { url, metrics } = JSON.parse(line) as { url: string; metrics: string };
  const w = { run: r, url, metrics, sinkFile };
  workers.push(w);
  return w;
}

async function metric(w: Worker, name: string): Promise<number> {
  const text = await (await fetch(`${w.metrics}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && !l.startsWith('#'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

function sink(): SinkLine[] {
  return workers.flatMap((w) => (existsSync(w.sinkFile) ? readFileSync(w.sinkFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SinkLine) : []));
}

/** Events in the order the apiserver would send them: round-robin over objects, each object's in sequence. */
function events() {
  const out = [];
  for (let n = 0; n < EVENTS_PER_OBJECT; n++) {
    for (let o = 0; o < OBJECTS; o++) out.push(auditEvent({ name: `obj-${run}-${o}`, auditID: `aud-${run}-o${o}-s${n}`, verb: 'update' }));
  }
  return out;
}

/** POSTs until accepted, retrying 429/503 and a dead target (on the next live worker), like the apiserver. */
async function post(body: string, targets: () => Worker[], k: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const live = targets();
    const w = live[(k + attempt) % live.length]!;
    try {
      const res = await fetch(`${w.url}/audit/durable`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      await res.arrayBuffer();
      if (res.status === 200) return;
      if (res.status !== 429 && res.status !== 503) throw new Error(`webhook answered ${res.status}`);
    } catch (err) {
      if ((err as Error).message.startsWith('webhook answered')) throw err;
    }
    await sleep(100);
  }
  throw new Error(`batch ${k} never accepted`);
}

afterAll(async () => {
  for (const w of workers) {
    try {
      process.kill(-w.run.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('durable audit queue (Redis Streams)', () => {
  it('a SIGKILLed consumer loses nothing: every accepted event exported, one span ID each, per-object order kept', async () => {
    const [a, b] = [await startWorker('a'), await startWorker('b')];
    // Both own partitions before the load starts (the second one's join re-balances).
    const deadline = Date.now() + 30_000;
    while ((await metric(a, 'audit_queue_partitions_owned')) + (await metric(b, 'audit_queue_partitions_owned')) !== PARTITIONS || (await metric(b, 'audit_queue_partitions_owned')) === 0) {
      if (Date.now() > deadline) throw new Error('partitions not shared between the two replicas');
      await sleep(200);
    }

    const all = events();
    const batches: string[] = [];
    for (let i = 0; i < all.length; i += BATCH) batches.push(JSON.stringify(eventList(all.slice(i, i + BATCH))));
    let killed = false;
    const killAt = Math.floor(batches.length * 0.4);
    for (let k = 0; k < batches.length; k++) {
      if (k === killAt) {
        process.kill(-a.run.pid, 'SIGKILL');
        await a.run.exited;
        killed = true;
      }
      await post(batches[k]!, () => (killed ? [b] : [a, b]), k);
    }
    const accepted = new Set(all.map((e) => e.auditID!));

    // Everything accepted reaches the sink once b has taken a's partitions (lease 2 s) and caught up.
    const until = Date.now() + 90_000;
    for (;;) {
      const found = new Set(sink().map((l) => l.auditId));
      if ([...accepted].every((id) => found.has(id))) break;
      if (Date.now() > until) throw new Error(`only ${[...accepted].filter((id) => found.has(id)).length} of ${accepted.size} accepted events exported`);
      await sleep(500);
    }
    const redelivered = await metric(b, 'audit_queue_entries_redelivered_total');
    process.kill(b.run.pid, 'SIGTERM');
    await b.run.exited;

    const lines = sink();
    const byAudit = new Map<string, SinkLine[]>();
    for (const l of lines) byAudit.set(l.auditId, [...(byAudit.get(l.auditId) ?? []), l]);
    const lost = [...accepted].filter((id) => !byAudit.has(id));
    const spanIdsPerEvent = [...byAudit.values()].map((ls) => new Set(ls.map((l) => l.spanId)).size);
    const copies = lines.length - byAudit.size;
    console.log(`durable queue: ${accepted.size} accepted, ${byAudit.size} exported, ${lost.length} lost, ${copies} raw copies (same span ID), ${redelivered} entries redelivered to b`);
    expect(lost).toEqual([]);
    expect([...byAudit.keys()].every((id) => accepted.has(id))).toBe(true);
    expect(spanIdsPerEvent.every((n) => n === 1)).toBe(true);
    expect(redelivered).toBeGreaterThan(0);

    // Per object: event n+1 first processed after event n first processed.
    for (let o = 0; o < OBJECTS; o++) {
      const first = (n: number) => Math.min(...byAudit.get(`aud-${run}-o${o}-s${n}`)!.map((l) => l.processedAt));
      for (let n = 1; n < EVENTS_PER_OBJECT; n++) expect(first(n), `object ${o} event ${n}`).toBeGreaterThan(first(n - 1));
    }
  }, 240_000);
});
