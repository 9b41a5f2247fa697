/** A Jaeger UI JSON trace (query's /api/traces) as a tree of objects: service (as shown) and name tag per span. */
import type { JaegerSpan, JaegerTrace } from './http.ts';

export interface TreeNode {
  span: JaegerSpan;
  /** The service Jaeger shows, e.g. `tracetest deployments`. */
  service: string;
  /** The object's `name` tag. */
  name: string | undefined;
}

export interface TraceTree {
  root: TreeNode;
  children(node: TreeNode): TreeNode[];
}

/** The tree of a trace with exactly one root span; throws naming the roots otherwise. */
export function traceTree(trace: JaegerTrace): TraceTree {
  const node = (span: JaegerSpan): TreeNode => ({
    span,
    service: trace.processes[span.processID]?.serviceName ?? '',
    name: span.tags.find((t) => t.key === 'name')?.value as string | undefined,
  });
  const roots = trace.spans.filter((s) => s.references.length === 0);
  if (roots.length !== 1) throw new Error(`trace ${trace.traceID}: want one root span, got ${roots.map((r) => r.operationName).join(', ') || 'none'}`);
  return {
    root: node(roots[0]!),
    children: (parent) => trace.spans.filter((s) => s.references.some((r) => r.spanID === parent.span.spanID)).map(node),
  };
}
