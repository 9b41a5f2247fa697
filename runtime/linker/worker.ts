/**
 * The linker worker pool (spec 4.4): consumes the aggregator's link jobs, asks each linker for related
 * objects, and writes a forward link span in the job object's trace and a backward one in the linked
 * object's trace. The queue is bounded: past `capacity` jobs are dropped and counted rather than growing
 * memory.
 *
 * Links follow the object (unlike the original, which linked once per object per window, at span
 * creation): `updated` jobs — later events of the window carrying the object's JSON — are looked up again
 * when what the linkers read (owner references, the parent-link annotation) changed, and new links are
 * written. Their forward spans carry the target in the dedup ID (`ownerReference->c/apps/…`), since the
 * plain one may already name the previous target in this window; backward dedup IDs already name the
 * child. A removed link (orphaning) writes nothing: spans cannot be unwritten, so the old parent keeps the
 * child for the rest of this window, and from the next window on the object's current JSON decides.
 */
import type { Registry } from 'prom-client';
import type { Aggregator, LinkJob, RichObject } from '../aggregator/types.ts';
import type { LinkerConfig } from '../config/sections/informers.ts';
import { counter, gauge, histogram } from '../metrics/define.ts';
import { reverseLinkRole, Tag } from '../model/constants.ts';
import { keyString, linkedTags } from '../model/objectKey.ts';
import type { Logger } from '../util/log.ts';
import { LinkMemo } from './memo.ts';
import type { Linker, LinkResult } from './types.ts';

export interface LinkerPoolDeps {
  aggregator: Aggregator;
  linkers: Linker[];
  logger: Logger;
  registry: Registry;
  /** Object spans whose linker inputs and written links are remembered (default 100 000). */
  memoCapacity?: number;
}

function linkTags(linked: RichObject, role: string, linkClass: string): Record<string, string> {
  return { ...linkedTags(linked, role), [Tag.linkClass]: linkClass };
}

export class LinkerPool {
  private readonly workers: number;
  private readonly capacity: number;
  private readonly aggregator: Aggregator;
  private readonly linkers: Linker[];
  private readonly logger: Logger;
  private readonly queue: LinkJob[] = [];
  private readonly waiters: Array<() => void> = [];
  private stopped = false;
  private running: Promise<void>[] = [];
  private readonly lag;
  private readonly dropped;
  private readonly exec;
  private readonly links;
  private readonly updates;
  /** Per object span: the linkers' inputs last queued. */
  private readonly inputs: LinkMemo;
  /** Per object span and linker: the links last written. */
  private readonly written: LinkMemo;

  /** `workerCount` 0 disables the pool: start() does nothing. */
  constructor(config: Pick<LinkerConfig, 'workerCount' | 'queueCapacity'>, deps: LinkerPoolDeps) {
    this.workers = config.workerCount;
    this.capacity = config.queueCapacity;
    this.aggregator = deps.aggregator;
    this.linkers = deps.linkers;
    this.logger = deps.logger;
    const r = deps.registry;
    this.lag = gauge(r, 'linker_local_worker_lag', 'Link jobs waiting for a worker.', ['name']);
    this.dropped = counter(r, 'linker_job_dropped_count', 'Link jobs dropped because the queue was full or the pool stopped.', ['name']);
    this.exec = histogram(r, 'linker_job_exec', 'Linker lookups by linker and error stage.', ['linker', 'error']);
    this.links = counter(r, 'linker_link_count', 'Link span pairs written.', ['linker']);
    this.updates = counter(r, 'linker_update_job_count', 'Link jobs of later events in a window, by outcome (unchanged inputs are not queued).', ['result']);
    this.inputs = new LinkMemo(deps.memoCapacity ?? 100_000);
    this.written = new LinkMemo(deps.memoCapacity ?? 100_000);
    gauge(r, 'linker_memo_entries', 'Object spans whose linker inputs and written links are remembered.', ['memo'], (g) => {
      g.set({ memo: 'inputs' }, this.inputs.size);
      g.set({ memo: 'links' }, this.written.size);
    });
  }

  start(): void {
    if (this.workers <= 0) return;
    this.aggregator.onLinkJob((job) => this.enqueue(job));
    this.running = Array.from({ length: this.workers }, () => this.work());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w();
    await Promise.all(this.running);
    if (this.queue.length) this.dropped.inc({ name: 'worker' }, this.queue.length);
    this.queue.length = 0;
    this.lag.set({ name: 'worker' }, 0);
  }

  private enqueue(job: LinkJob): void {
    const input = job.object.raw ? this.inputKey(job.object.raw) : undefined;
    if (job.trigger === 'updated' && (!job.object.raw || (input !== undefined && this.inputs.has(job.span.spanId, input)))) {
      this.updates.inc({ result: 'unchanged' });
      return;
    }
    if (this.stopped || this.queue.length >= this.capacity) {
      this.dropped.inc({ name: 'worker' });
      return;
    }
    if (input !== undefined) this.inputs.record(job.span.spanId, input);
    this.queue.push(job);
    this.lag.set({ name: 'worker' }, this.queue.length);
    this.waiters.shift()?.();
  }

  /** What every linker reads from the JSON; undefined when some linker cannot say (always looked up). */
  private inputKey(raw: Record<string, unknown>): string | undefined {
    const parts: unknown[] = [];
    for (const l of this.linkers) {
      if (!l.inputOf) return undefined;
      parts.push(l.inputOf(raw) ?? null);
    }
    return JSON.stringify(parts);
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const job = this.queue.shift();
      if (!job) {
        await new Promise<void>((r) => this.waiters.push(r));
        continue;
      }
      this.lag.set({ name: 'worker' }, this.queue.length);
      for (const linker of this.linkers) await this.run(linker, job);
    }
  }

  private async run(linker: Linker, job: LinkJob): Promise<void> {
    const end = this.exec.startTimer({ linker: linker.name });
    const stage = { name: 'CallLinker' };
    try {
      const results = await linker.lookup(job.object);
      const memoKey = `${job.span.spanId}|${linker.name}`;
      const links = JSON.stringify(results.map((l) => `${keyString(l.object)}|${l.role}|${l.class}|${l.dedupId}`).sort());
      if (this.written.has(memoKey, links)) {
        if (job.trigger === 'updated') this.updates.inc({ result: 'sameLinks' });
      } else {
        for (const link of results) await this.write(linker, job, link, stage);
        this.written.record(memoKey, links);
        if (job.trigger === 'updated') this.updates.inc({ result: 'relinked' });
      }
      end({ error: '' });
    } catch (err) {
      // Let the next event of this window try again.
      this.inputs.forget(job.span.spanId);
      end({ error: stage.name });
      this.logger.warn('generating links failed', { linker: linker.name, stage: stage.name, object: keyString(job.object), trigger: job.trigger ?? 'created', err });
    }
  }

  /** The forward and backward link spans of one link; `stage` names the step in progress (for errors). */
  private async write(linker: Linker, job: LinkJob, link: LinkResult, stage: { name: string }): Promise<void> {
    const { aggregator } = this;
    stage.name = 'CreateLinkedObjectSpan';
    const linkedSpan = await aggregator.ensureObjectSpan(link.object, job.eventTimeMs);
    stage.name = 'CreateForwardLinkSpan';
    await aggregator.getOrCreatePseudoSpan({
      object: job.object,
      pseudoType: 'link',
      eventTimeMs: job.eventTimeMs,
      parent: job.span,
      extraTags: linkTags(link.object, link.role, link.class),
      dedupId: job.trigger === 'updated' ? `${link.dedupId}->${keyString(link.object)}` : link.dedupId,
    });
    stage.name = 'CreateBackwardLinkSpan';
    await aggregator.getOrCreatePseudoSpan({
      object: link.object,
      pseudoType: 'link',
      eventTimeMs: job.eventTimeMs,
      parent: linkedSpan,
      extraTags: linkTags(job.object, reverseLinkRole(link.role), link.class),
      dedupId: `${link.dedupId}@${keyString(job.object)}`,
    });
    this.links.inc({ linker: linker.name });
  }
}
