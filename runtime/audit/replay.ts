/**
 * Reading an audit dump (dump.ts) back: its lines as EventList batches per cluster, in file order, ready to
 * POST to a webhook (`kelemetry replay`). A batch ends at `batchSize` events or where the cluster changes.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AuditEvent } from './types.ts';

export interface DumpBatch {
  cluster: string;
  sourceAddr: string;
  items: AuditEvent[];
}

/** Batches of `files` in order (pass rotated files oldest first); throws naming the file and line of a bad one. */
export async function* readDumpBatches(files: string[], batchSize: number): AsyncGenerator<DumpBatch> {
  let batch: DumpBatch | undefined;
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      let doc: { cluster?: unknown; sourceAddr?: unknown } & Record<string, unknown>;
      try {
        doc = JSON.parse(line) as typeof doc;
      } catch (err) {
        throw new Error(`${file}:${n}: not a JSON line: ${(err as Error).message}`, { cause: err });
      }
      const { cluster, sourceAddr, ...event } = doc;
      if (typeof cluster !== 'string' || !cluster) throw new Error(`${file}:${n}: no "cluster" field; is this an audit dump?`);
      if (batch && (batch.cluster !== cluster || batch.sourceAddr !== sourceAddr || batch.items.length >= batchSize)) {
        yield batch;
        batch = undefined;
      }
      batch ??= { cluster, sourceAddr: typeof sourceAddr === 'string' ? sourceAddr : '', items: [] };
      batch.items.push(event as unknown as AuditEvent);
    }
  }
  if (batch) yield batch;
}

/** The URL a batch of `cluster` goes to: `:cluster` replaced, or `/audit/<cluster>` added to a bare base URL. */
export function replayUrl(webhook: string, cluster: string): string {
  if (webhook.includes(':cluster')) return webhook.replaceAll(':cluster', encodeURIComponent(cluster));
  const url = new URL(webhook);
  if (url.pathname === '/' || url.pathname === '') url.pathname = `/audit/${encodeURIComponent(cluster)}`;
  return url.href;
}
