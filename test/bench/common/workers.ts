/** Runs `concurrency` copies of `worker` at once (concurrent clients) and waits for all. */
export async function runWorkers(concurrency: number, worker: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
}

/** Calls `fn(0 … count-1)`, at most `concurrency` at a time. */
export async function forEachParallel(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await runWorkers(concurrency, async () => {
    while (next < count) await fn(next++);
  });
}
