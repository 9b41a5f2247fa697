/**
 * A 10× burst over the steady rate into a queue sized for one second of steady load: the webhook must answer
 * 429 with Retry-After when the queue is full, the sender resends, and nothing accepted is lost.
 */
import { sleep } from '../../../runtime/util/sleep.ts';
import { loadedRun, type Row, type SuiteContext } from '../harness.ts';

export const burst = (ctx: SuiteContext): Promise<Row> =>
  loadedRun(ctx, {
    name: 'burst',
    configure: (doc) => {
      (doc.audit as { queue: Record<string, unknown> }).queue.capacity = ctx.opts.rate;
    },
    fault: async (r) => {
      const steady = r.load.rate;
      r.load.rate = steady * 10;
      await sleep(ctx.opts.outageMs);
      r.load.rate = steady;
      r.notes.push(`${steady * 10} events/s for ${ctx.opts.outageMs / 1000} s into audit.queue.capacity ${ctx.opts.rate}`);
    },
  });
