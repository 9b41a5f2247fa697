/**
 * The linker worker pool (spec 4.4): consumes the aggregator's link jobs (one per object per window,
 * when its object span is created), asks each linker for related objects, and writes a forward link
 * span in the job object's trace and a backward one in the linked object's trace. The queue is bounded:
 * past `capacity` jobs are dropped and counted rather than growing memory.
 */
import type { Registry } from 'prom-client';
import type { Aggregator, LinkJob, RichObject } from '../aggregator/types.ts';
import type { LinkerConfig } from '../config/sections/informers.ts';
import { counter, gauge, histogram } from '../metrics/define.ts';
import { reverseLinkRole, Tag } from '../model/constants.ts';
import { keyString } from '../model/objectKey.ts';
import type { Logger } from '../util/log.ts';
import type { Linker } from './types.ts';

export interface LinkerPoolDeps {
  aggregator: Aggregator;
  linkers: Linker[];
  logger: Logger;
  registry: Registry;
}

function linkTags(linked: RichObject, role: string, linkClass: string): Record<string, string> {
  return {
    [Tag.linkedCluster]: linked.cluster,
    [Tag.linkedGroup]: linked.group,
    [Tag.linkedResource]: linked.resource,
    [Tag.linkedNamespace]: linked.namespace,
    [Tag.linkedName]: linked.name,
    [Tag.linkRole]: role,
    [Tag.linkClass]: linkClass,
  };
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
    if (this.stopped || this.queue.length >= this.capacity) {
      this.dropped.inc({ name: 'worker' });
      return;
    }
    this.queue.push(job);
    this.lag.set({ name: 'worker' }, this.queue.length);
    this.waiters.shift()?.();
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
    const { aggregator, logger } = this;
    const end = this.exec.startTimer({ linker: linker.name });
    let stage = 'CallLinker';
    try {
      const results = await linker.lookup(job.object);
      for (const link of results) {
        stage = 'CreateLinkedObjectSpan';
        const linkedSpan = await aggregator.ensureObjectSpan(link.object, job.eventTimeMs);
        stage = 'CreateForwardLinkSpan';
        await aggregator.getOrCreatePseudoSpan({
          object: job.object,
          pseudoType: 'link',
          eventTimeMs: job.eventTimeMs,
          parent: job.span,
          extraTags: linkTags(link.object, link.role, link.class),
          dedupId: link.dedupId,
        });
        stage = 'CreateBackwardLinkSpan';
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
      end({ error: '' });
    } catch (err) {
      end({ error: stage });
      logger.warn('generating links failed', { linker: linker.name, stage, object: keyString(job.object), err });
    }
  }
}
