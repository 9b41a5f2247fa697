/**
 * Fault suite invariants (test/faults, quick variants), real servers: a `kelemetry run` process (audit
 * webhook, consumer, plugin) exporting to the environment's Jaeger, under steady audit load posted like the
 * apiserver posts. Malformed and oversized input on every listener (webhook, metrics, plugin /redirect and
 * gRPC), each followed by a good request that is served; slow clients holding hundreds of connections on
 * every listener while good requests are served; and through both, every accepted event in Jaeger once.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { quickContext, type QuickContext } from '../faults/context.ts';
import { malformed } from '../faults/scenarios/malformed.ts';
import { slowloris } from '../faults/scenarios/slowloris.ts';

let ctx: QuickContext;

describe('fault suite: abused listeners', () => {
  beforeAll(async () => {
    ctx = await quickContext(inject('env'));
  });
  afterAll(() => ctx?.close());

  it('serves a good request right after each malformed or oversized input, on every listener, losing nothing', async () => {
    const row = await malformed(ctx);
    expect(row.notes.filter((n) => n.startsWith('FAILED'))).toEqual([]);
    expect(row).toMatchObject({ status: 'ok', lost: 0, duplicated: 0 });
    expect(row.accepted).toBeGreaterThan(0);
    expect(row.found).toBe(row.accepted);
  }, 240_000);

  it('serves good requests on every listener while slow clients hold connections open, losing nothing', async () => {
    const row = await slowloris(ctx);
    expect(row.notes.filter((n) => n.startsWith('FAILED'))).toEqual([]);
    expect(row).toMatchObject({ status: 'ok', lost: 0, duplicated: 0 });
    expect(row.found).toBe(row.accepted);
  }, 240_000);
});
