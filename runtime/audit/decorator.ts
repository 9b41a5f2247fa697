/**
 * Audit decorators run on every traced audit event after filtering and before the span is sent
 * (spec 5.5 step 9). They may add tags and logs to `span` (e.g. the diff decorator of spec 7.7, which
 * adds `audit/objectDiff` / `audit/objectSnapshot` logs). They run in registration order, one event at a
 * time per partition; a slow decorator adds consumer lag.
 */
import type { RichObject, SpanEvent } from '../aggregator/types.ts';
import type { AuditMessage } from './types.ts';

export interface AuditDecoratorInput {
  message: AuditMessage;
  object: RichObject;
  /** The audit span about to be written; mutate its tags and logs. */
  span: SpanEvent;
}

export type AuditDecorator = (input: AuditDecoratorInput) => void | Promise<void>;
