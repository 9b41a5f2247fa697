/**
 * The worker loop of one controller, as controller-runtime runs it. Once the caches the reconciler reads
 * are synced, `workers` loops each take a key from the work queue (one key is never in two workers at
 * once), reconcile it and file the outcome: success forgets the key's backoff; a requested requeue adds
 * the key again after the delay; a TerminalError is not retried (until the object changes); any other
 * error requeues with per-key exponential backoff. Stopping shuts the queue down: workers finish the
 * keys already queued and return.
 */
import type { Logger } from '../../runtime/util/log.ts';
import { untilAborted, type Runnable } from '../manager.ts';
import type { OperatorMetrics } from './metrics.ts';
import { TerminalError, type ReconcileResult } from './reconciler.ts';
import type { WorkQueue } from './workqueue.ts';

export interface Reconcile {
  reconcile(key: string): Promise<ReconcileResult>;
}

export interface ControllerOptions {
  /** The `controller` label of the metrics. */
  name: string;
  queue: WorkQueue;
  reconciler: Reconcile;
  workers: number;
  metrics: Pick<OperatorMetrics, 'reconcileTotal' | 'reconcileErrors' | 'terminalErrors' | 'reconcileTime' | 'activeWorkers'>;
  logger: Logger;
  /** Resolves true once the caches the reconciler reads are synced, false when stopping first. */
  waitForSync(signal: AbortSignal): Promise<boolean>;
}

export class Controller implements Runnable {
  readonly name: string;

  constructor(private readonly opts: ControllerOptions) {
    this.name = `controller/${opts.name}`;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { logger, workers, queue } = this.opts;
    if (!(await this.opts.waitForSync(signal)) || signal.aborted) return;
    logger.info('caches synced; reconciling', { controller: this.opts.name, workers });
    const loops = Promise.all(Array.from({ length: workers }, () => this.worker()));
    await Promise.race([untilAborted(signal), loops]);
    logger.info('stopping: draining the work queue', { controller: this.opts.name, queued: queue.len() });
    queue.shutDown();
    await loops;
  }

  private async worker(): Promise<void> {
    while (await this.processNextWorkItem());
  }

  /** Takes one key, reconciles it and files the outcome; false once the queue is shut down and empty. */
  async processNextWorkItem(): Promise<boolean> {
    const { queue, metrics } = this.opts;
    const key = await queue.get();
    if (key === undefined) return false;
    const labels = { controller: this.opts.name };
    const end = metrics.reconcileTime.startTimer(labels);
    metrics.activeWorkers.inc(labels);
    try {
      this.onSuccess(key, await this.opts.reconciler.reconcile(key));
    } catch (err) {
      this.onError(key, err);
    } finally {
      end();
      metrics.activeWorkers.dec(labels);
      queue.done(key);
    }
    return true;
  }

  private onSuccess(key: string, result: ReconcileResult): void {
    const { queue, metrics } = this.opts;
    queue.forget(key);
    if (result.requeueAfterMs) {
      queue.addAfter(key, result.requeueAfterMs);
      metrics.reconcileTotal.inc({ controller: this.opts.name, result: 'requeue_after' });
    } else {
      metrics.reconcileTotal.inc({ controller: this.opts.name, result: 'success' });
    }
  }

  private onError(key: string, err: unknown): void {
    const { queue, metrics, logger } = this.opts;
    const controller = this.opts.name;
    metrics.reconcileTotal.inc({ controller, result: 'error' });
    if (err instanceof TerminalError) {
      queue.forget(key);
      metrics.terminalErrors.inc({ controller });
      logger.error('reconcile failed; not retrying until the instance changes', { instance: key, err });
      return;
    }
    metrics.reconcileErrors.inc({ controller });
    logger.warn('reconcile failed; retrying with backoff', { instance: key, retries: queue.limiter.retries(key), err });
    queue.addRateLimited(key);
  }
}
