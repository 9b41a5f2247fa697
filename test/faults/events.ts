/**
 * The audit stream of a fault run: the benchmark's realistic RequestResponse stream (creates, patches,
 * status updates, conflicts, deletes over a population of live objects, ~3-5 KB each), with audit IDs
 * unique to the run so its spans can be told apart in Jaeger (`<run>-<n>`).
 */
import type { AuditEvent } from '../../runtime/audit/types.ts';
import { stream } from '../bench/audit/stream.ts';

export class EventSource {
  private readonly it: Iterator<AuditEvent>;
  private n = 0;

  /** `objects`: live objects at once (each lives 2-12 changes, then a new one takes its place). */
  constructor(
    private readonly run: string,
    objects: number,
  ) {
    this.it = stream({ events: Number.MAX_SAFE_INTEGER, objects });
  }

  next(count: number): AuditEvent[] {
    const out: AuditEvent[] = [];
    for (let i = 0; i < count; i++) {
      const e = this.it.next().value as AuditEvent;
      out.push({ ...e, auditID: `${this.run}-${this.n++}` });
    }
    return out;
  }
}
