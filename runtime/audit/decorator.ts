/**
 * Audit decorators run on every traced audit event after filtering and before the span is sent
 * (spec 5.5 step 9), e.g. the diff decorator of spec 7.7, which adds `audit/objectDiff` /
 * `audit/objectSnapshot` logs. A decorator returns what it adds; the consumer applies it to the span.
 * They run in registration order, one event at a time per object; a slow decorator adds consumer lag.
 */
import type { SpanEvent, SpanLog } from '../aggregator/types.ts';
import type { AuditMessage, AuditObject } from './types.ts';

export interface AuditDecoratorInput {
  message: AuditMessage;
  /** `message.object`, never undefined here: decorators run only on events about one object. */
  object: AuditObject;
}

/** What a decorator adds to the audit span: tags (set, later decorators win) and logs (appended in order). */
export interface AuditDecoration {
  tags?: Record<string, string>;
  logs?: SpanLog[];
}

/** Returns nothing when it only observes. */
export type AuditDecorator = (input: AuditDecoratorInput) => AuditDecoration | void | Promise<AuditDecoration | void>;

export function applyDecoration(span: SpanEvent, decoration: AuditDecoration | void): void {
  if (!decoration) return;
  Object.assign(span.tags, decoration.tags);
  if (decoration.logs) span.logs.push(...decoration.logs);
}
