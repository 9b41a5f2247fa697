/**
 * Preloaded into our diff controller process by `bench diff --peer` (node --expose-gc --import): on SIGUSR2 it
 * collects garbage and writes process.memoryUsage() to $KELEMETRY_BENCH_HEAP_FILE, so the bench reads the heap
 * still referenced, as it reads the original's Go heap after a forced GC.
 */
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.KELEMETRY_BENCH_HEAP_FILE;
const gc = globalThis.gc;
if (file && typeof gc === 'function') {
  process.on('SIGUSR2', () => {
    gc();
    gc();
    // Whole or absent: the bench polls for the file.
    writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }));
    renameSync(`${file}.tmp`, file);
  });
}
