/**
 * The plugin's Prometheus metrics (names after the original's `frontend_*`, `jaeger_backend_*`,
 * `redirect_request` where it has one): latency by RPC, backend calls, traces merged, links followed,
 * trace-cache and render-memo hits, errors.
 */
import { Counter, Histogram, Summary, type Registry } from 'prom-client';

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class PluginMetrics {
  readonly rpcSeconds: Histogram<'rpc' | 'outcome'>;
  readonly findTimeRange: Summary;
  readonly backendSeconds: Histogram<'op' | 'outcome'>;
  readonly tracesMerged: Counter;
  readonly linksFollowed: Counter<'result'>;
  readonly traceCache: Counter<'op' | 'result'>;
  readonly renderMemo: Counter<'result'>;
  readonly errors: Counter<'where'>;
  readonly redirects: Counter<'result'>;
  readonly extensionTraces: Counter<'result'>;
  readonly orphanSpans: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.rpcSeconds = new Histogram({ name: 'frontend_rpc_seconds', help: 'jaeger.storage.v2 requests served, by RPC and outcome (ok, error).', labelNames: ['rpc', 'outcome'], buckets: latencyBuckets, registers });
    this.findTimeRange = new Summary({ name: 'frontend_find_traces_time_range_seconds', help: 'Time range asked for by searches.', registers });
    this.backendSeconds = new Histogram({ name: 'jaeger_backend_seconds', help: 'Reads from Jaeger remote storage, by operation (list, get) and outcome.', labelNames: ['op', 'outcome'], buckets: latencyBuckets, registers });
    this.tracesMerged = new Counter({ name: 'frontend_traces_merged_count', help: 'Raw per-object traces merged into displayed traces.', registers });
    this.linksFollowed = new Counter({ name: 'frontend_links_followed_count', help: 'Links between objects, by result (followed, rejected by the display mode, limit, depth, timeout).', labelNames: ['result'], registers });
    this.extensionTraces = new Counter({ name: 'extension_trace_request_count', help: '/extensions/api/v1/trace requests by result (as redirect_request_count).', labelNames: ['result'], registers });
    this.traceCache = new Counter({ name: 'frontend_trace_cache_count', help: 'Trace cache operations, by op (persist, fetch) and result (ok, hit, miss, error).', labelNames: ['op', 'result'], registers });
    this.renderMemo = new Counter({ name: 'frontend_render_memo_count', help: 'GetTraces served from the in-process memo of recently merged traces (hit) or not (miss).', labelNames: ['result'], registers });
    this.errors = new Counter({ name: 'frontend_errors_count', help: 'Errors, by where they happened.', labelNames: ['where'], registers });
    this.redirects = new Counter({ name: 'redirect_request_count', help: '/redirect requests by result (Found, EmptyParam, UnknownCluster, InvalidTimestamp, NoTraceMatch, MultiTraceMatch, TraceError).', labelNames: ['result'], registers });
    this.orphanSpans = new Counter({ name: 'jaeger_backend_orphan_spans_count', help: 'Raw spans whose parent was missing from their trace (not shown).', registers });
  }

  /** Times an async call into `rpcSeconds`. */
  async timeRpc<T>(rpc: string, fn: () => Promise<T>): Promise<T> {
    const end = this.rpcSeconds.startTimer({ rpc });
    try {
      const v = await fn();
      end({ outcome: 'ok' });
      return v;
    } catch (err) {
      end({ outcome: 'error' });
      this.errors.inc({ where: rpc });
      throw err;
    }
  }
}
