/**
 * Fault suite invariants (test/faults, quick variants) of the in-memory audit queue, real servers: a
 * `kelemetry run` process exporting to the environment's Jaeger, under steady audit load posted like the
 * apiserver posts (retrying 429/5xx with backoff). A 10x burst into a queue sized for one second is refused
 * with 429, resent, and nothing accepted is lost; the Jaeger collector unreachable for a few seconds loses
 * nothing when the exporter's retries outlast the outage.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { quickContext, type QuickContext } from '../faults/context.ts';
import { burst } from '../faults/scenarios/burst.ts';
import { collectorDown } from '../faults/scenarios/outages.ts';

let ctx: QuickContext;

describe('fault suite: load over capacity and a collector outage', () => {
  beforeAll(async () => {
    ctx = await quickContext(inject('env'));
  });
  afterAll(() => ctx?.close());

  it('a 10x burst over capacity gets 429s, is resent, and nothing accepted is lost', async () => {
    const row = await burst(ctx);
    expect(row.answers['429'] ?? 0).toBeGreaterThan(0);
    expect(row).toMatchObject({ status: 'ok', lost: 0, duplicated: 0, gaveUp: 0 });
    expect(row.found).toBe(row.accepted);
    expect(row.accepted).toBe(row.sent);
  }, 240_000);

  it('the Jaeger collector unreachable for a few seconds loses nothing with the default export retries', async () => {
    // The default 12 attempts back off 0.25, 0.5, 1, 2, 4, then 5 s each: about 40 s of retries.
    const row = await collectorDown(ctx);
    expect(row).toMatchObject({ status: 'ok', lost: 0, duplicated: 0, gaveUp: 0 });
    expect(row.found).toBe(row.accepted);
    expect(row.recoverMs).toBeDefined();
  }, 240_000);
});
