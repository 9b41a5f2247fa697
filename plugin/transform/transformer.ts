/**
 * Renders a merged trace in a display mode (spec 8.6): the mode's extension providers (8.9) add their
 * spans first, then each step runs in order. Returns the extension results to record in the trace cache.
 */
import { runExtensions } from '../extensions/runner.ts';
import type { SpanTree } from '../model/tree.ts';
import type { DisplayMode } from '../modes/registry.ts';
import type { ExtensionRecord } from '../tracecache/types.ts';
import type { TransformContext } from './types.ts';

/** `replay`: the extension records of the cached trace being opened (reloaded rather than searched again). */
export async function transform(tree: SpanTree, mode: DisplayMode, ctx: TransformContext, replay?: ExtensionRecord[]): Promise<ExtensionRecord[]> {
  const records = await runExtensions(tree, mode.extensions, { startUs: ctx.startUs, endUs: ctx.endUs, ...(replay ? { replay } : {}) });
  for (const step of mode.steps) {
    try {
      step.run(tree, ctx);
    } catch (err) {
      throw new Error(`display mode "${mode.name}", step ${step.kind}: ${(err as Error).message}`, { cause: err });
    }
  }
  return records;
}
