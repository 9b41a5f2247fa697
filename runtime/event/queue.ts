/**
 * The event controller's work queue for one leadership term: bounded (a full queue pauses the watch,
 * since `put` waits for room), and an occurrence already queued or being handled is not queued again.
 * Ends when the term's signal aborts: waiting `put`s and `take`s return at once.
 */
import { occurrenceKey, type CoreEvent } from './handle.ts';

export class EventQueue {
  private readonly items: CoreEvent[] = [];
  /** Occurrences queued or being handled. */
  private readonly keys = new Set<string>();
  private readonly spaceWaiters: Array<() => void> = [];
  private readonly itemWaiters: Array<() => void> = [];

  constructor(
    private readonly capacity: number,
    private readonly signal: AbortSignal,
    /** Called with the number of waiting events whenever it changes. */
    private readonly onDepth: (depth: number) => void,
  ) {
    signal.addEventListener('abort', () => this.wakeAll(), { once: true });
  }

  async put(ev: CoreEvent): Promise<void> {
    const key = occurrenceKey(ev);
    if (this.keys.has(key)) return;
    while (this.items.length >= this.capacity && !this.signal.aborted) await new Promise<void>((r) => this.spaceWaiters.push(r));
    if (this.signal.aborted) return;
    this.keys.add(key);
    this.items.push(ev);
    this.onDepth(this.items.length);
    this.itemWaiters.shift()?.();
  }

  /** The next event, or undefined once the term ended (what is still queued stays unhandled). */
  async take(): Promise<CoreEvent | undefined> {
    while (!this.signal.aborted) {
      const ev = this.items.shift();
      if (ev) {
        this.onDepth(this.items.length);
        this.spaceWaiters.shift()?.();
        return ev;
      }
      await new Promise<void>((r) => this.itemWaiters.push(r));
    }
    return undefined;
  }

  /** The occurrence was handled (or failed): a relist may queue it again. */
  done(ev: CoreEvent): void {
    this.keys.delete(occurrenceKey(ev));
  }

  /** Drops what is still queued (after the term's workers stopped). */
  clear(): void {
    this.items.length = 0;
    this.onDepth(0);
  }

  private wakeAll(): void {
    for (const w of this.spaceWaiters.splice(0)) w();
    for (const w of this.itemWaiters.splice(0)) w();
  }
}
