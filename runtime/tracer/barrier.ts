/**
 * "Is it exported yet?" for writers that must not record work as done before its spans left the
 * process: the durable audit queue acks entries, the event controller marks Events handled, only then.
 */
import type { BoundedBatchProcessor } from './batchProcessor.ts';

/** Waits until the spans written so far are exported; `dropped` counts spans lost (a change = not exported). */
export interface ExportBarrier {
  dropped(): number;
  settled(): Promise<void>;
}

export function exportBarrier(processor: BoundedBatchProcessor): ExportBarrier {
  return { dropped: () => processor.dropped, settled: () => processor.settled() };
}
