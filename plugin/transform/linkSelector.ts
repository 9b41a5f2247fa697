/**
 * Link selectors (spec 8.8): decide, hop by hop, which linked objects a display mode follows.
 * `admit` returns the selector to use from the newly reached object, or null to not follow.
 * `parentIsSource` is true when walking from the parent down to the child.
 */
import { z } from 'zod';
import type { ObjectKey } from '../../runtime/model/objectKey.ts';
import { compileStringFilter, stringFilterSchema, type StringFilter } from './stringFilter.ts';

export interface LinkSelector {
  admit(parent: ObjectKey, child: ObjectKey, parentIsSource: boolean, linkClass: string): LinkSelector | null;
}

export class ConstantSelector implements LinkSelector {
  constructor(readonly value: boolean) {}
  admit(): LinkSelector | null {
    return this.value ? this : null;
  }
}

export const followNothing: LinkSelector = new ConstantSelector(false);

export class IntersectSelector implements LinkSelector {
  constructor(readonly members: LinkSelector[]) {}
  admit(parent: ObjectKey, child: ObjectKey, parentIsSource: boolean, linkClass: string): LinkSelector | null {
    const next: LinkSelector[] = [];
    for (const m of this.members) {
      const sub = m.admit(parent, child, parentIsSource, linkClass);
      if (!sub) return null;
      next.push(sub);
    }
    return new IntersectSelector(next);
  }
}

export class UnionSelector implements LinkSelector {
  /** Members that stopped admitting stay as null so later hops skip them. */
  constructor(readonly members: (LinkSelector | null)[]) {}
  admit(parent: ObjectKey, child: ObjectKey, parentIsSource: boolean, linkClass: string): LinkSelector | null {
    const next = this.members.map((m) => m?.admit(parent, child, parentIsSource, linkClass) ?? null);
    return next.some((m) => m !== null) ? new UnionSelector(next) : null;
  }
}

/** Monotonic paths only: once the first hop went up (or down), hops the other way are rejected. */
export class DenySiblingsSelector implements LinkSelector {
  constructor(readonly direction?: 'up' | 'down') {}
  admit(_p: ObjectKey, _c: ObjectKey, parentIsSource: boolean): LinkSelector | null {
    const dir = parentIsSource ? 'down' : 'up';
    if (this.direction && this.direction !== dir) return null;
    return this.direction ? this : new DenySiblingsSelector(dir);
  }
}

/** Counts hops in one direction; hops the other way pass unchanged. */
export class DirectedDistanceSelector implements LinkSelector {
  constructor(
    readonly direction: 'up' | 'down',
    readonly remaining: number,
  ) {}
  admit(_p: ObjectKey, _c: ObjectKey, parentIsSource: boolean): LinkSelector | null {
    const dir = parentIsSource ? 'down' : 'up';
    if (dir !== this.direction) return this;
    if (this.remaining <= 0) return null;
    return new DirectedDistanceSelector(this.direction, this.remaining - 1);
  }
}

const objectFilterSchema = z.object({
  cluster: stringFilterSchema.optional(),
  group: stringFilterSchema.optional(),
  resource: stringFilterSchema.optional(),
  namespace: stringFilterSchema.optional(),
  name: stringFilterSchema.optional(),
});

export const linkPatternSchema = z.object({
  parent: objectFilterSchema.optional(),
  child: objectFilterSchema.optional(),
  /** false: never walk from the parent down to the child. */
  fromParent: z.boolean().default(true),
  /** false: never walk from the child up to the parent. */
  fromChild: z.boolean().default(true),
  linkClass: stringFilterSchema.optional(),
});
export type LinkPatternConfig = z.input<typeof linkPatternSchema>;

type ObjectMatcher = (key: ObjectKey) => boolean;

function compileObjectFilter(config: z.output<typeof objectFilterSchema> | undefined): ObjectMatcher {
  if (!config) return () => true;
  const parts = (['cluster', 'group', 'resource', 'namespace', 'name'] as const)
    .filter((f) => config[f] !== undefined)
    .map((f) => [f, compileStringFilter(config[f])] as const);
  return (key) => parts.every(([f, m]) => m(key[f]));
}

/** A stateless pattern: every condition must hold. */
export class PatternSelector implements LinkSelector {
  private readonly parent: ObjectMatcher;
  private readonly child: ObjectMatcher;
  private readonly linkClass: StringFilter | undefined;
  private readonly fromParent: boolean;
  private readonly fromChild: boolean;

  constructor(config: LinkPatternConfig) {
    const c = linkPatternSchema.parse(config);
    this.parent = compileObjectFilter(c.parent);
    this.child = compileObjectFilter(c.child);
    this.linkClass = c.linkClass === undefined ? undefined : compileStringFilter(c.linkClass);
    this.fromParent = c.fromParent;
    this.fromChild = c.fromChild;
  }

  admit(parent: ObjectKey, child: ObjectKey, parentIsSource: boolean, linkClass: string): LinkSelector | null {
    if (!this.fromParent && parentIsSource) return null;
    if (!this.fromChild && !parentIsSource) return null;
    if (!this.parent(parent) || !this.child(child)) return null;
    if (this.linkClass && !this.linkClass(linkClass)) return null;
    return this;
  }
}

export const linkSelectorArgsSchema = z.object({
  modifierClass: z.string().min(1),
  includeSiblings: z.boolean().default(false),
  ifAll: z.array(linkPatternSchema).default([]),
  upwardDistance: z.number().int().nonnegative().optional(),
  downwardDistance: z.number().int().nonnegative().optional(),
});
export type LinkSelectorArgs = z.input<typeof linkSelectorArgsSchema>;

/** The link-selector modifier: Union[previous, Intersect[patterns, siblings rule, distances]]. */
export function applyLinkSelectorModifier(previous: LinkSelector, argsInput: LinkSelectorArgs): LinkSelector {
  const args = linkSelectorArgsSchema.parse(argsInput);
  const members: LinkSelector[] = args.ifAll.map((p) => new PatternSelector(p));
  if (!args.includeSiblings) members.push(new DenySiblingsSelector());
  if (args.upwardDistance !== undefined) members.push(new DirectedDistanceSelector('up', args.upwardDistance));
  if (args.downwardDistance !== undefined) members.push(new DirectedDistanceSelector('down', args.downwardDistance));
  return new UnionSelector([previous, new IntersectSelector(members)]);
}
