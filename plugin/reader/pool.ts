/** Runs async tasks with bounded concurrency; tasks may schedule more tasks. The first failure stops it. */
export class TaskPool {
  private active = 0;
  private readonly queue: (() => Promise<void>)[] = [];
  private failure: unknown;
  private failed = false;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly concurrency: number) {}

  get pending(): number {
    return this.queue.length;
  }

  schedule(task: () => Promise<void>): void {
    if (this.failed) return;
    this.queue.push(task);
    this.pump();
  }

  /** Drops queued tasks (running ones finish); returns how many were dropped. */
  drain(): number {
    const n = this.queue.length;
    this.queue.length = 0;
    this.settle();
    return n;
  }

  /** Resolves when nothing is queued or running; rejects with the first task failure. */
  idle(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.settle();
    });
  }

  private pump(): void {
    while (!this.failed && this.active < this.concurrency && this.queue.length) {
      const task = this.queue.shift()!;
      this.active++;
      task()
        .catch((err) => {
          if (!this.failed) {
            this.failed = true;
            this.failure = err;
            this.queue.length = 0;
          }
        })
        .finally(() => {
          this.active--;
          this.pump();
          this.settle();
        });
    }
  }

  private settle(): void {
    if (this.active > 0 || (this.queue.length > 0 && !this.failed)) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (this.failed) w.reject(this.failure);
      else w.resolve();
    }
  }
}
