/**
 * A burst of 10× the steady rate, arriving as the apiserver's batches do after a pause: at the start of each
 * second, that second's events at once, in batches of 100, into an audit queue sized for one second of steady
 * load (audit.queue.capacity = rate), consumed with the span cache in etcd. The webhook must answer 429 with Retry-After when the queue is full, the
 * sender resends, and nothing accepted is lost.
 */
import { sleep } from '../../../runtime/util/sleep.ts';
import { loadedRun, type Row, type SuiteContext } from '../harness.ts';
import { spanCacheIn } from './outages.ts';

const batch = 100;

export const burst = (ctx: SuiteContext): Promise<Row> =>
  loadedRun(ctx, {
    name: 'burst',
    // kube-apiserver's own retry window (--audit-webhook-initial-backoff 10 s, ×1.5, 5 attempts: about 80 s), which
    // is what has to absorb a burst; shorter, the sender gives up on batches the consumer would have taken later.
    backoffMs: 10_000,
    configure: (doc) => {
      // The span cache in etcd, as several replicas need: a round trip per new object makes the consumer, not the
      // webhook's parsing, the bottleneck (with the memory cache the queue never fills).
      spanCacheIn('etcd', ctx)(doc);
      (doc.audit as { queue: Record<string, unknown> }).queue.capacity = ctx.opts.rate;
    },
    fault: async (r) => {
      const perSecond = r.load.rate * 10;
      const seconds = Math.max(1, Math.round(ctx.opts.outageMs / 1000));
      for (let s = 0; s < seconds; s++) {
        for (let n = 0; n < perSecond; n += batch) r.sender.send(r.source.next(Math.min(batch, perSecond - n)));
        await sleep(1000);
      }
      r.notes.push(`on top of the steady load, ${perSecond} events at the start of each second for ${seconds} s, into audit.queue.capacity ${ctx.opts.rate}`);
    },
  });
