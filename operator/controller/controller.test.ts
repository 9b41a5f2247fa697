import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { nullLogger } from '../../runtime/util/log.ts';
import { Controller } from './controller.ts';
import { createOperatorMetrics } from './metrics.ts';
import { TerminalError, type ReconcileResult } from './reconciler.ts';
import { ItemExponentialRateLimiter, WorkQueue } from './workqueue.ts';

function setup(outcome: (key: string) => ReconcileResult | Error) {
  const registry = new Registry();
  const metrics = createOperatorMetrics(registry);
  const queue = new WorkQueue(new ItemExponentialRateLimiter({ baseDelayMs: 10_000, maxDelayMs: 60_000 }));
  const after: Array<[string, number]> = [];
  const addAfter = queue.addAfter.bind(queue);
  queue.addAfter = (key, ms) => {
    after.push([key, ms]);
    addAfter(key, ms);
  };
  const reconciler = {
    async reconcile(key: string) {
      const o = outcome(key);
      if (o instanceof Error) throw o;
      return o;
    },
  };
  const controller = new Controller({ name: 'test', queue, reconciler, workers: 1, metrics, logger: nullLogger, waitForSync: async () => true });
  const results = async () => ((await registry.getSingleMetric('controller_runtime_reconcile_total')?.get())?.values ?? []).map((v) => [v.labels.result, v.value]);
  return { queue, controller, after, results };
}

describe('Controller.processNextWorkItem', () => {
  it('success forgets the key; a requested requeue adds it after the delay', async () => {
    const { queue, controller, after, results } = setup((key) => (key === 'ns/later' ? { requeueAfterMs: 15_000 } : {}));
    queue.add('ns/a');
    queue.add('ns/later');
    expect(await controller.processNextWorkItem()).toBe(true);
    expect(await controller.processNextWorkItem()).toBe(true);
    expect(after).toEqual([['ns/later', 15_000]]);
    expect(await results()).toEqual([
      ['success', 1],
      ['requeue_after', 1],
    ]);
    queue.shutDown();
  });

  it('an error requeues with growing per-key backoff; a terminal error is not retried', async () => {
    const { queue, controller, after, results } = setup((key) => (key === 'ns/bad' ? new TerminalError('invalid spec') : new Error('apiserver down')));
    queue.add('ns/flaky');
    await controller.processNextWorkItem();
    expect(queue.limiter.retries('ns/flaky')).toBe(1);
    queue.add('ns/flaky');
    await controller.processNextWorkItem();
    expect(after).toEqual([
      ['ns/flaky', 10_000],
      ['ns/flaky', 20_000],
    ]);
    queue.add('ns/bad');
    await controller.processNextWorkItem();
    expect(after).toHaveLength(2);
    expect(queue.limiter.retries('ns/bad')).toBe(0);
    expect(await results()).toEqual([['error', 3]]);
    queue.shutDown();
  });

  it('answers false once the queue is shut down and empty', async () => {
    const { queue, controller } = setup(() => ({}));
    queue.add('ns/a');
    queue.shutDown();
    expect(await controller.processNextWorkItem()).toBe(true);
    expect(await controller.processNextWorkItem()).toBe(false);
  });
});
