/**
 * A span tree (spec 8.2 "span tree"): spans linked by parent ID with one root. Steps may add, move and
 * delete spans while visiting: children added or moved under a span that is being visited are visited
 * later in the same pass (child sets iterate live), and a span deleted in `enter` is not exited.
 */
import { cloneSpan, type Span } from './span.ts';

export interface TreeVisitor {
  /** Pre-order hook. */
  enter?(tree: SpanTree, span: Span): void;
  /** Post-order hook; not called for spans deleted before their turn. */
  exit?(tree: SpanTree, span: Span): void;
}

export class SpanTree {
  private readonly spans = new Map<string, Span>();
  private readonly kids = new Map<string, Set<string>>();
  private rootIdValue: string;

  private constructor(root: Span) {
    this.rootIdValue = root.spanId;
    delete root.parentId;
    this.spans.set(root.spanId, root);
    this.kids.set(root.spanId, new Set());
  }

  /**
   * Builds a tree from a trace's spans. The root is the span without a (present) parent... when several
   * qualify, the one with no parent ID at all wins, then the earliest. Spans not connected to the root
   * are returned in `orphans` so the caller can count them.
   */
  static fromSpans(input: Span[]): { tree: SpanTree; orphans: Span[] } {
    if (input.length === 0) throw new Error('cannot build a span tree from an empty trace');
    const byId = new Map(input.map((s) => [s.spanId, s]));
    const candidates = input.filter((s) => !s.parentId || !byId.has(s.parentId));
    if (candidates.length === 0) throw new Error(`cyclic rootless trace ${input[0]!.traceId}`);
    candidates.sort((a, b) => Number(!!a.parentId) - Number(!!b.parentId) || a.startUs - b.startUs);
    const tree = new SpanTree(candidates[0]!);
    const childrenOf = new Map<string, Span[]>();
    for (const s of input) {
      if (s === candidates[0] || !s.parentId) continue;
      const list = childrenOf.get(s.parentId) ?? [];
      list.push(s);
      childrenOf.set(s.parentId, list);
    }
    const stack = [tree.rootId];
    while (stack.length) {
      const id = stack.pop()!;
      for (const c of childrenOf.get(id) ?? []) {
        if (tree.spans.has(c.spanId)) continue;
        tree.add(c, id);
        stack.push(c.spanId);
      }
    }
    const orphans = input.filter((s) => tree.spans.get(s.spanId) !== s);
    return { tree, orphans };
  }

  get rootId(): string {
    return this.rootIdValue;
  }

  get root(): Span {
    return this.spans.get(this.rootIdValue)!;
  }

  get size(): number {
    return this.spans.size;
  }

  get(id: string): Span | undefined {
    return this.spans.get(id);
  }

  has(id: string): boolean {
    return this.spans.has(id);
  }

  children(id: string): Span[] {
    return [...(this.kids.get(id) ?? [])].map((c) => this.spans.get(c)!);
  }

  childCount(id: string): number {
    return this.kids.get(id)?.size ?? 0;
  }

  parent(id: string): Span | undefined {
    const p = this.spans.get(id)?.parentId;
    return p === undefined ? undefined : this.spans.get(p);
  }

  all(): Span[] {
    return [...this.spans.values()];
  }

  /** Adds (or replaces, same span ID) a span under a parent. */
  add(span: Span, parentId: string): void {
    if (!this.spans.has(parentId)) throw new Error(`cannot add span ${span.spanId}: parent ${parentId} is not in the tree`);
    if (span.spanId === this.rootIdValue) throw new Error(`cannot add span ${span.spanId}: it is the root`);
    const old = this.spans.get(span.spanId);
    if (old?.parentId !== undefined) this.kids.get(old.parentId)?.delete(span.spanId);
    span.parentId = parentId;
    this.spans.set(span.spanId, span);
    if (!this.kids.has(span.spanId)) this.kids.set(span.spanId, new Set());
    this.kids.get(parentId)!.add(span.spanId);
  }

  /** Moves a span (with its subtree) under another parent. */
  move(id: string, newParentId: string): void {
    const span = this.spans.get(id);
    if (!span) throw new Error(`cannot move span ${id}: not in the tree`);
    if (id === this.rootIdValue) throw new Error(`cannot move the root span ${id}`);
    if (!this.spans.has(newParentId)) throw new Error(`cannot move span ${id}: parent ${newParentId} is not in the tree`);
    this.kids.get(span.parentId!)?.delete(id);
    span.parentId = newParentId;
    this.kids.get(newParentId)!.add(id);
  }

  /** Deletes a span and its whole subtree. */
  delete(id: string): void {
    if (id === this.rootIdValue) throw new Error(`cannot delete the root span ${id}`);
    const span = this.spans.get(id);
    if (!span) return;
    this.kids.get(span.parentId!)?.delete(id);
    const stack = [id];
    while (stack.length) {
      const cur = stack.pop()!;
      for (const c of this.kids.get(cur) ?? []) stack.push(c);
      this.kids.delete(cur);
      this.spans.delete(cur);
    }
  }

  /** Grafts another tree (all its spans) under a parent span of this tree. */
  graft(other: SpanTree, parentId: string): void {
    const order: string[] = [other.rootId];
    for (let i = 0; i < order.length; i++) for (const c of other.kids.get(order[i]!) ?? []) order.push(c);
    for (const id of order) {
      const s = other.spans.get(id)!;
      this.add(s, id === other.rootId ? parentId : s.parentId!);
    }
  }

  /** A new tree holding the subtree at `id` (spans shared, not copied). */
  subtree(id: string): SpanTree {
    const top = this.spans.get(id);
    if (!top) throw new Error(`span ${id} is not in the tree`);
    const tree = new SpanTree(top);
    const stack = [id];
    while (stack.length) {
      const cur = stack.pop()!;
      for (const c of this.kids.get(cur) ?? []) {
        tree.add(this.spans.get(c)!, cur);
        stack.push(c);
      }
    }
    return tree;
  }

  /** A deep copy. */
  clone(): SpanTree {
    const tree = new SpanTree(cloneSpan(this.root));
    const stack = [this.rootIdValue];
    while (stack.length) {
      const cur = stack.pop()!;
      for (const c of this.kids.get(cur) ?? []) {
        tree.add(cloneSpan(this.spans.get(c)!), cur);
        stack.push(c);
      }
    }
    return tree;
  }

  /** Depth-first visit from the root (see the class comment for mutation rules). */
  visit(visitor: TreeVisitor): void {
    this.visitFrom(this.rootIdValue, visitor);
  }

  private visitFrom(id: string, visitor: TreeVisitor): void {
    const span = this.spans.get(id);
    if (!span) return;
    visitor.enter?.(this, span);
    const kids = this.kids.get(id);
    if (!kids || this.spans.get(id) !== span) return;
    for (const c of kids) this.visitFrom(c, visitor);
    if (this.spans.get(id) === span) visitor.exit?.(this, span);
  }
}
