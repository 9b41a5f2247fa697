/**
 * FollowLinks (spec 8.5): from the objects found so far, fetch linked objects the display mode's link
 * selector admits, hop by hop, with bounded concurrency, a budget of fetched objects (per starting
 * object, or one global budget), a maximum depth and a total time. Links to objects already present
 * are always kept; links not followed are dropped so they are not merged.
 */
import { setMaxListeners } from 'node:events';
import { LinkRole } from '../../runtime/model/constants.ts';
import { keyString, type ObjectKey } from '../../runtime/model/objectKey.ts';
import type { Thumbnail } from '../backend/types.ts';
import type { PluginMetrics } from '../metrics.ts';
import type { LinkSelector } from '../transform/linkSelector.ts';
import type { MergedObject, ObjectSet } from './objects.ts';
import { TaskPool } from './pool.ts';

export type Lister = (key: ObjectKey, signal: AbortSignal) => Promise<Thumbnail[]>;

export interface FollowOptions {
  selector: LinkSelector;
  lister: Lister;
  concurrency: number;
  /** Objects fetched per starting object, or in total when `limitIsGlobal`. */
  limit: number;
  limitIsGlobal: boolean;
  maxDepth: number;
  timeoutMs: number;
  metrics?: PluginMetrics;
}

export interface FollowResult {
  fetched: number;
  /** Human-readable reasons the family may be incomplete (shown as warnings on the root span). */
  warnings: string[];
}

interface Budget {
  remaining: number;
  exhausted: number;
}

export async function followLinks(set: ObjectSet, opts: FollowOptions): Promise<FollowResult> {
  const known = new Set(set.objects.keys());
  const pool = new TaskPool(opts.concurrency);
  const abort = new AbortController();
  // Every in-flight fetch listens for the abort; there are up to `concurrency` of them.
  setMaxListeners(opts.concurrency + 10, abort.signal);
  let timedOut = false;
  let fetched = 0;
  let depthDropped = 0;
  const budgets: Budget[] = [];
  const count = (result: string, n = 1) => opts.metrics?.linksFollowed.inc({ result }, n);

  const scheduleFrom = (obj: MergedObject, budget: Budget, selector: LinkSelector, depth: number) => {
    obj.links = obj.links.filter((link) => {
      const targetStr = keyString(link.key);
      if (known.has(targetStr)) return true;
      let admitted: LinkSelector | null = null;
      if (link.role === LinkRole.child) admitted = selector.admit(obj.key, link.key, true, link.linkClass);
      else if (link.role === LinkRole.parent) admitted = selector.admit(link.key, obj.key, false, link.linkClass);
      if (!admitted) {
        count('rejected');
        return false;
      }
      if (depth + 1 > opts.maxDepth) {
        depthDropped++;
        count('depth');
        return false;
      }
      // Unlike the original, only links the mode admits consume the budget.
      if (budget.remaining <= 0) {
        budget.exhausted++;
        count('limit');
        return false;
      }
      budget.remaining--;
      known.add(targetStr);
      const sub = admitted;
      pool.schedule(async () => {
        if (abort.signal.aborted) return;
        let thumbs: Thumbnail[];
        try {
          thumbs = await opts.lister(link.key, abort.signal);
        } catch (err) {
          if (abort.signal.aborted) return;
          throw new Error(`following ${link.role} link from ${obj.keyStr} to ${targetStr}: ${(err as Error).message}`, { cause: err });
        }
        fetched++;
        count('followed');
        for (const changed of set.addTraces(thumbs)) scheduleFrom(changed, budget, sub, depth + 1);
      });
      return true;
    });
  };

  const shared: Budget = { remaining: opts.limit, exhausted: 0 };
  for (const obj of [...set.objects.values()]) {
    const budget = opts.limitIsGlobal ? shared : { remaining: opts.limit, exhausted: 0 };
    if (!opts.limitIsGlobal) budgets.push(budget);
    scheduleFrom(obj, budget, opts.selector, 0);
  }
  if (opts.limitIsGlobal) budgets.push(shared);

  const timer = setTimeout(() => {
    timedOut = true;
    const dropped = pool.drain();
    count('timeout', dropped);
    abort.abort();
  }, opts.timeoutMs);
  try {
    await pool.idle();
  } finally {
    clearTimeout(timer);
  }

  const warnings: string[] = [];
  if (timedOut) warnings.push(`link following stopped after ${opts.timeoutMs / 1000}s; some linked objects may be missing`);
  const exhausted = budgets.reduce((n, b) => n + b.exhausted, 0);
  if (exhausted) warnings.push(`link limit ${opts.limit} reached: ${exhausted} linked objects not shown`);
  if (depthDropped) warnings.push(`link depth ${opts.maxDepth} reached: ${depthDropped} linked objects not shown`);
  return { fetched, warnings };
}
