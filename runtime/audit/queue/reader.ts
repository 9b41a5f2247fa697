/**
 * Reads one partition stream while this replica holds its lease. It first delivers again what an
 * earlier holder took and never acknowledged (its pending entries, from ID 0, in order), then new
 * entries. Each read batch is processed (one chain per object, in order; objects side by side), then
 * the export barrier waits until the spans written are exported, and only then are the entries acked;
 * that wait overlaps the processing of the next batch (one batch's ack outstanding at a time).
 * An entry whose handling failed, and the later entries of its object, stay pending and are read again
 * after a pause, so per-object order holds; one that keeps failing is given up after `maxAttempts`.
 *
 * The consumer name in the group is the partition (`p<N>`), not the replica: whoever holds the lease
 * reads the partition's pending entries as its own, without claiming them.
 */
import type { Redis } from 'ioredis';
import type { ExportBarrier } from '../../tracer/barrier.ts';
import type { Logger } from '../../util/log.ts';
import { Backoff } from '../../util/backoff.ts';
import { sleep } from '../../util/sleep.ts';
import type { RedisQueueStore, StreamEntry } from './redisStore.ts';
import type { QueueHandler } from './types.ts';


export interface ReaderMetrics {
  acked(n: number): void;
  redelivered(n: number): void;
  /** Entries given up: `trimmed` (gone from the stream), `poison` (failed maxAttempts times), `bad` (unparsable). */
  abandoned(reason: string, n: number): void;
  readErrors(): void;
  inFlight(delta: number): void;
}

export interface ReaderSettings {
  partition: number;
  readBatch: number;
  blockMs: number;
  perPartitionConcurrency: number;
  maxAttempts: number;
}

export interface ReaderDeps<T> {
  store: RedisQueueStore;
  /** This reader's own connection (a blocking read holds it). Closed when the reader stops. */
  client: Redis;
  handler: QueueHandler<T>;
  barrier?: ExportBarrier;
  metrics: ReaderMetrics;
  logger: Logger;
}

/** A handled batch, waiting for its spans' export before its ack. */
interface Handled {
  /** Entries to ack: handled, or given up. */
  ids: string[];
  /** Objects whose chain stopped at a failure (their remaining entries stay pending). */
  failed: number;
  droppedBefore: number;
  entries: number;
}

interface Parsed<T> {
  id: string;
  key: string;
  value: T;
}

export class PartitionReader<T> {
  private readonly cfg: ReaderSettings;
  private readonly deps: ReaderDeps<T>;
  private readonly stopping = new AbortController();
  private readonly attempts = new Map<string, number>();
  private readonly backoff = new Backoff({ initialMs: 200, maxMs: 5_000 });
  private loop: Promise<void> | undefined;

  constructor(cfg: ReaderSettings, deps: ReaderDeps<T>) {
    this.cfg = cfg;
    this.deps = deps;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops reading; the batch in hand is finished, flushed and acked first. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.deps.client.disconnect();
  }

  private get consumer(): string {
    return `p${this.cfg.partition}`;
  }

  private async run(): Promise<void> {
    const { store, client, logger } = this.deps;
    const p = this.cfg.partition;
    // '0' re-reads this partition's pending entries; undefined = read new ones.
    let cursor: string | undefined = '0';
    // The previous batch's wait for export and ack, which runs while the next batch is handled.
    let acking: Promise<boolean> | undefined;
    const acked = async () => {
      const ok = acking ? await acking : true;
      acking = undefined;
      return ok;
    };
    while (!this.stopping.signal.aborted) {
      try {
        const entries = await store.read(client, p, this.consumer, cursor ?? '>', this.cfg.readBatch, this.cfg.blockMs);
        if (cursor !== undefined) {
          if (entries.length === 0) {
            cursor = undefined;
            continue;
          }
          cursor = entries[entries.length - 1]![0];
          this.deps.metrics.redelivered(entries.length);
        }
        const handled = await this.handle(entries);
        const previousOk = await acked();
        acking = this.ackAfterExport(handled);
        // A failed object must not run ahead: read the pending entries again, after the acks so only what is left.
        if (handled.failed > 0 || !previousOk) {
          await acked();
          cursor = '0';
          await sleep(this.backoff.next(), this.stopping.signal);
        } else this.backoff.reset();
      } catch (err) {
        if (this.stopping.signal.aborted) break;
        this.deps.metrics.readErrors();
        logger.warn('audit queue partition read failed, retrying', { partition: p, stream: store.keys.stream(p), err });
        await acked();
        cursor = '0';
        await sleep(this.backoff.next(), this.stopping.signal);
        if (/NOGROUP/.test((err as Error).message)) await store.ensureGroup(p).catch(() => undefined);
      }
    }
    await acked();
  }

  /** Handles a batch: one chain per object, in order. */
  private async handle(entries: StreamEntry[]): Promise<Handled> {
    const { barrier, metrics } = this.deps;
    const { parsed, giveUp } = this.parse(entries);
    const droppedBefore = barrier?.dropped() ?? 0;
    metrics.inFlight(parsed.length);
    const { done, failed } = await this.handleAll(parsed).finally(() => metrics.inFlight(-parsed.length));
    return { ids: [...giveUp, ...done], failed, droppedBefore, entries: parsed.length };
  }

  /**
   * Waits until the spans written are exported, then acks. False (nothing acked) when a span may have been
   * dropped meanwhile or the ack failed: the entries stay pending and are delivered again.
   */
  private async ackAfterExport(h: Handled): Promise<boolean> {
    const { barrier, store, metrics, logger } = this.deps;
    const p = this.cfg.partition;
    try {
      if (barrier) {
        await barrier.settled();
        if (barrier.dropped() !== h.droppedBefore) {
          // Duplicates of what was exported are dropped by span ID on the query side.
          logger.warn('spans dropped while exporting an audit batch: it will be delivered again', { partition: p, entries: h.entries });
          return false;
        }
      }
      await store.ack(p, h.ids);
    } catch (err) {
      metrics.readErrors();
      logger.warn('audit queue ack failed: the batch will be delivered again', { partition: p, stream: store.keys.stream(p), entries: h.ids.length, err });
      return false;
    }
    for (const id of h.ids) this.attempts.delete(id);
    metrics.acked(h.ids.length);
    return true;
  }

  /** Splits the entries into those to handle and those to ack unhandled (trimmed, unparsable, given up). */
  private parse(entries: StreamEntry[]): { parsed: Parsed<T>[]; giveUp: string[] } {
    const parsed: Parsed<T>[] = [];
    const giveUp: string[] = [];
    const p = this.cfg.partition;
    for (const [id, fields] of entries) {
      const attempt = (this.attempts.get(id) ?? 0) + 1;
      this.attempts.set(id, attempt);
      const reason = !fields ? 'trimmed' : attempt > this.cfg.maxAttempts ? 'poison' : undefined;
      const value = reason ? undefined : parseFields<T>(fields!);
      if (reason || !value) {
        this.deps.metrics.abandoned(reason ?? 'bad', 1);
        this.deps.logger.error('audit queue entry given up', { partition: p, id, reason: reason ?? 'bad', key: value?.key, attempts: attempt - 1 });
        giveUp.push(id);
        continue;
      }
      parsed.push({ id, ...value });
    }
    return { parsed, giveUp };
  }

  /** One chain per object, `perPartitionConcurrency` at a time; a chain stops at its first failure. */
  private async handleAll(entries: Parsed<T>[]): Promise<{ done: string[]; failed: number }> {
    const chains = new Map<string, Parsed<T>[]>();
    for (const e of entries) chains.set(e.key, [...(chains.get(e.key) ?? []), e]);
    const queue = [...chains.values()];
    const done: string[] = [];
    let failed = 0;
    const worker = async () => {
      for (let chain = queue.shift(); chain; chain = queue.shift()) {
        for (const e of chain) {
          if ((await this.deps.handler(e.value, this.cfg.partition)) === false) {
            failed++;
            break;
          }
          done.push(e.id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.cfg.perPartitionConcurrency, queue.length) }, worker));
    return { done, failed };
  }
}

function parseFields<T>(fields: string[]): { key: string; value: T } | undefined {
  let key: string | undefined;
  let json: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'k') key = fields[i + 1];
    else if (fields[i] === 'm') json = fields[i + 1];
  }
  if (key === undefined || json === undefined) return undefined;
  try {
    return { key, value: JSON.parse(json) as T };
  } catch {
    return undefined;
  }
}
