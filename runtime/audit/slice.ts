/**
 * Slices for work that runs as chains of promises: the consumer handles a whole webhook batch (400 events,
 * 50-100 ms) without ever returning to the event loop, so until it is done no span of the batch can be sent, no
 * export of an earlier batch can be acknowledged, and no other request is read. Asking `turn()` before each
 * piece of work gives the loop a turn once a slice is used up: `sliceMs` of time, or `maxPieces` pieces started
 * (the queue runs up to 128 chains at once, which all start their next piece before any of them is far into
 * it, so time alone would let every chain through).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export class TimeSlicer {
  /** Start of the current slice (undefined once the loop has had a turn since). */
  private sliceStart: number | undefined;
  private pieces = 0;
  /** The turn every caller waits for once the slice is used up. */
  private waiting: Promise<void> | undefined;

  constructor(
    private readonly sliceMs: number,
    private readonly maxPieces: number,
  ) {}

  /**
   * undefined: go on at once (no await); else wait for the promise, which resolves on the loop's next turn,
   * and ask again (the slice may be used up again by the callers woken before).
   */
  turn(): Promise<void> | undefined {
    if (this.waiting) return this.waiting;
    const now = performance.now();
    if (this.sliceStart === undefined) {
      // A slice starts with the first piece of work since the loop's last turn, which the next check phase ends.
      this.sliceStart = now;
      this.pieces = 0;
      setImmediate(() => (this.sliceStart = undefined));
    }
    if (this.pieces < this.maxPieces && now - this.sliceStart < this.sliceMs) {
      this.pieces++;
      return undefined;
    }
    this.waiting = nextTurn().then(() => {
      this.waiting = undefined;
    });
    return this.waiting;
  }
}
