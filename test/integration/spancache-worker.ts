/**
 * A second process for the span cache contract test: at a given instant, races for object spans of
 * the given objects through its own aggregator and cache client, then prints what it got as JSON.
 *
 *   tsx test/integration/spancache-worker.ts '<json: {target, names, eventTimeMs, startAtMs, concurrency}>'
 */
import type { RichObject } from '../../runtime/aggregator/types.ts';
import { openCache, writer, type BackendTarget } from './spancache-backends.ts';

interface Job {
  target: BackendTarget;
  names: string[];
  eventTimeMs: number;
  startAtMs: number;
  concurrency: number;
}

const job = JSON.parse(process.argv[2]!) as Job;
const w = writer(openCache(job.target));
const object = (name: string): RichObject => ({ cluster: 'contract', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name });
await w.aggregator.ensureObjectSpan(object('warm-up'), job.eventTimeMs);
await new Promise((r) => setTimeout(r, Math.max(0, job.startAtMs - Date.now())));
const results = await Promise.all(
  job.names.flatMap((name) =>
    Array.from({ length: job.concurrency }, async () => {
      const r = await w.aggregator.getOrCreatePseudoSpan({ object: object(name), pseudoType: 'object', eventTimeMs: job.eventTimeMs, dedupId: 'object' });
      return { name, ...r };
    }),
  ),
);
await w.close();
process.stdout.write(JSON.stringify(results) + '\n');
