/**
 * FollowLinks (spec 8.5): from the objects found so far, fetch linked objects the display mode's link
 * selector admits, hop by hop, with bounded concurrency, a budget of fetched objects (per starting
 * object, or one global budget), a maximum depth and a total time. Links to objects already present
 * are always kept; links not followed are dropped so they are not merged. Two or more children of one
 * object are fetched in one call when a `childLister` is given (children.ts).
 */
import { setMaxListeners } from 'node:events';
import { LinkRole } from '../../runtime/model/constants.ts';
import { keyString, type ObjectKey } from '../../runtime/model/objectKey.ts';
import type { Thumbnail } from '../backend/types.ts';
import type { PluginMetrics } from '../metrics.ts';
import type { LinkSelector } from '../transform/linkSelector.ts';
import type { MergedObject, ObjectLink, ObjectSet } from './objects.ts';
import { TaskPool } from './pool.ts';

export type Lister = (key: ObjectKey, signal: AbortSignal) => Promise<Thumbnail[]>;
/** The traces of a parent's children by child key string; undefined when they must be fetched one by one. */
export type ChildLister = (parent: ObjectKey, signal: AbortSignal) => Promise<Map<string, Thumbnail[]> | undefined>;

export interface FollowOptions {
  selector: LinkSelector;
  lister: Lister;
  /** When set, two or more children of one object are fetched in one call. */
  childLister?: ChildLister;
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

/** An admitted link waiting for its target's traces, and what applies to the target's own links. */
interface Pending {
  from: MergedObject;
  link: ObjectLink;
  targetStr: string;
  budget: Budget;
  selector: LinkSelector;
  depth: number;
}

export async function followLinks(set: ObjectSet, opts: FollowOptions): Promise<FollowResult> {
  const follower = new LinkFollower(set, opts);
  const shared: Budget = { remaining: opts.limit, exhausted: 0 };
  for (const obj of [...set.objects.values()]) {
    const budget = opts.limitIsGlobal ? shared : { remaining: opts.limit, exhausted: 0 };
    if (!opts.limitIsGlobal) follower.budgets.push(budget);
    follower.scheduleFrom(obj, budget, opts.selector, 0);
  }
  if (opts.limitIsGlobal) follower.budgets.push(shared);
  await follower.finish();
  return { fetched: follower.fetched, warnings: follower.warnings() };
}

/** One request's link following: what is known, what is in flight, what was dropped and why. */
class LinkFollower {
  readonly budgets: Budget[] = [];
  fetched = 0;
  private readonly known: Set<string>;
  private readonly pool: TaskPool;
  private readonly abort = new AbortController();
  private timedOut = false;
  private depthDropped = 0;

  constructor(
    private readonly set: ObjectSet,
    private readonly opts: FollowOptions,
  ) {
    this.known = new Set(set.objects.keys());
    this.pool = new TaskPool(opts.concurrency);
    // Every in-flight fetch listens for the abort; there are up to `concurrency` of them.
    setMaxListeners(opts.concurrency + 10, this.abort.signal);
  }

  private count(result: string, n = 1): void {
    this.opts.metrics?.linksFollowed.inc({ result }, n);
  }

  /** Keeps `obj`'s links to known objects and to objects it schedules for fetching; drops the rest. */
  scheduleFrom(obj: MergedObject, budget: Budget, selector: LinkSelector, depth: number): void {
    const children: Pending[] = [];
    obj.links = obj.links.filter((link) => {
      const targetStr = keyString(link.key);
      if (this.known.has(targetStr)) return true;
      const admitted = this.admit(obj, link, selector, depth, budget);
      if (!admitted) return false;
      this.known.add(targetStr);
      const pending: Pending = { from: obj, link, targetStr, budget, selector: admitted, depth: depth + 1 };
      if (link.role === LinkRole.child) children.push(pending);
      else this.pool.schedule(() => this.fetch(pending));
      return true;
    });
    if (children.length >= 2 && this.opts.childLister) this.pool.schedule(() => this.fetchChildren(obj, children));
    else for (const p of children) this.pool.schedule(() => this.fetch(p));
  }

  /** The selector for the next hop when the link may be followed (counting why not otherwise). */
  private admit(obj: MergedObject, link: ObjectLink, selector: LinkSelector, depth: number, budget: Budget): LinkSelector | null {
    let admitted: LinkSelector | null = null;
    if (link.role === LinkRole.child) admitted = selector.admit(obj.key, link.key, true, link.linkClass);
    else if (link.role === LinkRole.parent) admitted = selector.admit(link.key, obj.key, false, link.linkClass);
    if (!admitted) {
      this.count('rejected');
      return null;
    }
    if (depth + 1 > this.opts.maxDepth) {
      this.depthDropped++;
      this.count('depth');
      return null;
    }
    // Unlike the original, only links the mode admits consume the budget.
    if (budget.remaining <= 0) {
      budget.exhausted++;
      this.count('limit');
      return null;
    }
    budget.remaining--;
    return admitted;
  }

  private async fetch(p: Pending): Promise<void> {
    const signal = this.abort.signal;
    if (signal.aborted) return;
    let thumbs: Thumbnail[];
    try {
      thumbs = await this.opts.lister(p.link.key, signal);
    } catch (err) {
      if (signal.aborted) return;
      throw new Error(`following ${p.link.role} link from ${p.from.keyStr} to ${p.targetStr}: ${(err as Error).message}`, { cause: err });
    }
    this.merge(p, thumbs);
  }

  /** One call for several children of `parent`; a child it does not return is then fetched alone. */
  private async fetchChildren(parent: MergedObject, children: Pending[]): Promise<void> {
    const signal = this.abort.signal;
    if (signal.aborted) return;
    let byChild: Map<string, Thumbnail[]> | undefined;
    try {
      byChild = await this.opts.childLister!(parent.key, signal);
    } catch (err) {
      if (signal.aborted) return;
      throw new Error(`following ${children.length} child links from ${parent.keyStr}: ${(err as Error).message}`, { cause: err });
    }
    for (const p of children) {
      const thumbs = byChild?.get(p.targetStr);
      if (thumbs) this.merge(p, thumbs);
      else this.pool.schedule(() => this.fetch(p));
    }
  }

  private merge(p: Pending, thumbs: Thumbnail[]): void {
    this.fetched++;
    this.count('followed');
    for (const changed of this.set.addTraces(thumbs)) this.scheduleFrom(changed, p.budget, p.selector, p.depth);
  }

  /** Waits for every fetch, or stops them all at the time limit. */
  async finish(): Promise<void> {
    const timer = setTimeout(() => {
      this.timedOut = true;
      const dropped = this.pool.drain();
      this.count('timeout', dropped);
      this.abort.abort();
    }, this.opts.timeoutMs);
    try {
      await this.pool.idle();
    } finally {
      clearTimeout(timer);
    }
  }

  warnings(): string[] {
    const { opts } = this;
    const warnings: string[] = [];
    if (this.timedOut) warnings.push(`link following stopped after ${opts.timeoutMs / 1000}s; some linked objects may be missing`);
    const exhausted = this.budgets.reduce((n, b) => n + b.exhausted, 0);
    if (exhausted) warnings.push(`link limit ${opts.limit} reached: ${exhausted} linked objects not shown`);
    if (this.depthDropped) warnings.push(`link depth ${opts.maxDepth} reached: ${this.depthDropped} linked objects not shown`);
    return warnings;
  }
}
