/**
 * What reached Jaeger: every audit span of a run (its audit spans carry the tag `faultRun=<run>`), read back
 * from Jaeger remote storage (the jaeger.storage.v2 API the plugin reads), compared with what was accepted.
 */
import { sleep } from '../../runtime/util/sleep.ts';
import { TraceReaderClient } from '../integration/audit-traces.ts';

export interface Found {
  /** Audit spans of the run in Jaeger. */
  spans: number;
  /** Accepted events whose span is missing. */
  lost: number;
  /** Distinct spans beyond the first for one audit ID: what a reader of the trace would see twice. */
  duplicated: number;
  /**
   * Stored copies of a span already stored (same span ID): redelivery by the durable queue. The plugin drops
   * them when it reads a trace (plugin/model/dedupe.ts), so no reader sees them.
   */
  copies: number;
  /** Objects whose audit spans hang under more than one object span (a trace split in one window). */
  split: number;
}

/** Search depth: a run has a few thousand objects at most, each one trace; remote storage keeps 100,000. */
const depth = 20_000;

export class JaegerCounter {
  private readonly reader: TraceReaderClient;

  constructor(remoteStorage: string) {
    this.reader = new TraceReaderClient(remoteStorage);
  }

  async count(run: string, accepted: ReadonlySet<string>, fromMs: number): Promise<Found> {
    const traces = await this.reader.findTraces('audit', { faultRun: run }, fromMs - 60_000, Date.now() + 60_000, depth);
    const seen = new Map<string, Set<string>>();
    let spans = 0;
    const objectSpans = new Map<string, number>();
    for (const trace of traces.values()) {
      for (const s of trace) {
        const id = s.attrs.auditId;
        if (s.service === 'audit' && id?.startsWith(`${run}-`)) {
          spans++;
          seen.set(id, (seen.get(id) ?? new Set()).add(s.spanId));
        }
        if (s.service === 'object' && !s.parentSpanId) {
          // An object span starts at its window's start: a run across a window boundary rightly has two.
          const key = `${s.attrs.resource}/${s.attrs.namespace}/${s.attrs.name}@${s.startMs}`;
          objectSpans.set(key, (objectSpans.get(key) ?? 0) + 1);
        }
      }
    }
    let lost = 0;
    for (const id of accepted) if (!seen.has(id)) lost++;
    const distinct = [...seen.values()].reduce((n, ids) => n + ids.size, 0);
    return { spans, lost, duplicated: distinct - seen.size, copies: spans - distinct, split: [...objectSpans.values()].filter((n) => n > 1).length };
  }

  /** Counts until nothing is missing, or the count has not grown for `idleMs`, or `timeoutMs` passed. */
  async settle(run: string, accepted: ReadonlySet<string>, fromMs: number, opts: { idleMs: number; timeoutMs: number }): Promise<Found> {
    const deadline = Date.now() + opts.timeoutMs;
    let last = await this.count(run, accepted, fromMs);
    let grewAt = Date.now();
    while (last.lost > 0 && Date.now() < deadline && Date.now() - grewAt < opts.idleMs) {
      await sleep(1000);
      const next = await this.count(run, accepted, fromMs);
      if (next.spans > last.spans) grewAt = Date.now();
      last = next;
    }
    return last;
  }

  /** Whether the span of one audit ID is in Jaeger yet. */
  async has(run: string, auditId: string, fromMs: number): Promise<boolean> {
    const traces = await this.reader.findTraces('audit', { faultRun: run, auditId }, fromMs - 60_000, Date.now() + 60_000, 10);
    return traces.size > 0;
  }

  close(): void {
    this.reader.close();
  }
}
