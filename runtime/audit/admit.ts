/**
 * Admission of one webhook batch (spec 5.3): the envelope filter drops what is never traced, every kept
 * event becomes a queued message with its object resolved (object.ts), and the batch enters the queue
 * (memory or Redis) whole or not at all.
 */
import type { AuditFilter } from './filter.ts';
import { partitionKey, toMessage } from './object.ts';
import type { AuditQueue, QueueItem } from './queue/types.ts';
import type { AuditMessage, ReceivedAuditEvent } from './types.ts';

/** What became of a batch. */
export type Admission =
  | { status: 'accepted'; queued: number; filtered: number }
  | { status: 'full' }
  | { status: 'closed' }
  /** The durable queue's store did not take the batch (Redis down): 503, the apiserver retries. */
  | { status: 'unavailable'; reason: string }
  /** The batch alone exceeds the queue: it can never fit, so retrying would not help. */
  | { status: 'tooLarge'; events: number; capacity: number };

/** Without a queue (consumer disabled) every event counts as filtered: accepted, never traced. */
export async function admit(batch: ReceivedAuditEvent[], filter: AuditFilter, queue: AuditQueue<AuditMessage> | undefined, bodyBytes = 0): Promise<Admission> {
  if (!queue) return { status: 'accepted', queued: 0, filtered: batch.length };
  if (queue.isClosed) return { status: 'closed' };
  // Each event's share of the body: what the memory queue's byte bound counts, without serialising again.
  const bytes = batch.length > 0 ? Math.ceil(bodyBytes / batch.length) : 0;
  const items: QueueItem<AuditMessage>[] = [];
  for (const received of batch) {
    if (filter.testEnvelope(received.cluster, received.event)) continue;
    const msg = toMessage(received);
    items.push({ key: partitionKey(msg), value: msg, bytes });
  }
  const filtered = batch.length - items.length;
  if (items.length === 0) return { status: 'accepted', queued: 0, filtered };
  if (items.length > queue.capacity) return { status: 'tooLarge', events: items.length, capacity: queue.capacity };
  const stored = await queue.enqueueAll(items);
  return stored.status === 'accepted' ? { status: 'accepted', queued: items.length, filtered } : stored;
}
