import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TimeSlicer } from './slice.ts';

/** Runs `chains` promise chains of `each` pieces through the slicer; returns the loop turn each piece ran in. */
async function run(slicer: TimeSlicer, chains: number, each: number, work: () => void = () => {}): Promise<number[]> {
  let turnNo = 0;
  let counting = true;
  void (async () => {
    while (counting) {
      await nextTurn();
      turnNo++;
    }
  })();
  const ran: number[] = [];
  await Promise.all(
    Array.from({ length: chains }, async () => {
      for (let i = 0; i < each; i++) {
        for (let t = slicer.turn(); t; t = slicer.turn()) await t;
        ran.push(turnNo);
        work();
        await Promise.resolve(); // a piece of work that awaits, as the consumer's does
      }
    }),
  );
  counting = false;
  return ran;
}

const perTurn = (ran: number[]) => [...ran.reduce((m, t) => m.set(t, (m.get(t) ?? 0) + 1), new Map<number, number>()).values()];

describe('time slicer', () => {
  it('lets at most maxPieces pieces start per turn of the event loop, however many chains run', async () => {
    const ran = await run(new TimeSlicer(60_000, 8), 20, 10);
    expect(ran).toHaveLength(200);
    expect(Math.max(...perTurn(ran))).toBeLessThanOrEqual(8);
    expect(perTurn(ran).length).toBeGreaterThanOrEqual(25);
  });

  it('gives the loop a turn once sliceMs of work is used up', async () => {
    const busy = () => {
      for (const until = performance.now() + 2; performance.now() < until; );
    };
    const ran = await run(new TimeSlicer(5, 1_000), 1, 20, busy);
    // 2 ms a piece: about three pieces per 5 ms slice, never all twenty in one turn.
    expect(Math.max(...perTurn(ran))).toBeLessThanOrEqual(4);
  });

  it('goes on without waiting while the slice lasts', () => {
    const slicer = new TimeSlicer(60_000, 3);
    expect([slicer.turn(), slicer.turn(), slicer.turn()]).toEqual([undefined, undefined, undefined]);
    expect(slicer.turn()).toBeInstanceOf(Promise);
  });
});
