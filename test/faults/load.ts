/**
 * Steady audit load: a batch every 100 ms (the apiserver's batch backend flushes on size or time), sized so
 * the events/s match the current rate, which a scenario may change (a burst). Owned by a scenario: started
 * before its fault, stopped after it; `stop` waits for every batch's retries to end.
 */
import { sleep } from '../../runtime/util/sleep.ts';
import type { EventSource } from './events.ts';
import type { BatchSender } from './sender.ts';

const tickMs = 100;

export class Load {
  private readonly abort = new AbortController();
  private readonly loop: Promise<void>;
  /** Events/s offered now. */
  rate: number;

  constructor(
    private readonly source: EventSource,
    private readonly sender: BatchSender,
    rate: number,
  ) {
    this.rate = rate;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const started = Date.now();
    let due = 0;
    let sent = 0;
    for (let tick = 1; !this.abort.signal.aborted; tick++) {
      // Carries fractions over, so any rate is met on average.
      due += (this.rate * tickMs) / 1000;
      const n = Math.floor(due - sent);
      if (n > 0) {
        this.sender.send(this.source.next(n));
        sent += n;
      }
      await sleep(Math.max(0, started + tick * tickMs - Date.now()), this.abort.signal);
    }
  }

  /** Stops offering events and waits until every batch is accepted or given up. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.sender.drain();
  }
}
