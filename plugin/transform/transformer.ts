/** Runs a display mode's steps over a merged trace (spec 8.6); extensions (8.9) are not supported. */
import type { SpanTree } from '../model/tree.ts';
import type { DisplayMode } from '../modes/registry.ts';
import type { TransformContext } from './types.ts';

export function transform(tree: SpanTree, mode: DisplayMode, ctx: TransformContext): void {
  for (const step of mode.steps) {
    try {
      step.run(tree, ctx);
    } catch (err) {
      throw new Error(`display mode "${mode.name}", step ${step.kind}: ${(err as Error).message}`, { cause: err });
    }
  }
}
