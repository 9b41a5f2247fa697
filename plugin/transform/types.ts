/** What a transform step is: one full visit of the span tree, configured from the display-mode file. */
import type { SpanTree } from '../model/tree.ts';
import { Tag } from '../../runtime/model/constants.ts';
import { tagString, type Span } from '../model/span.ts';

export interface TransformContext {
  /** The query's time range, µs. */
  startUs: number;
  endUs: number;
  /** Fresh span IDs for synthesized spans (random in production, predictable in tests). */
  newSpanId(): string;
}

export interface Step {
  readonly kind: string;
  run(tree: SpanTree, ctx: TransformContext): void;
}

export function pseudoTypeOf(span: Span): string | undefined {
  return tagString(span, Tag.pseudoType);
}

export function traceSourceOf(span: Span): string | undefined {
  return tagString(span, Tag.traceSource);
}
