/**
 * Runs a display mode's extension providers over a merged trace (spec 8.9), before its steps: for every
 * object span FetchForObject, for every audit span FetchForVersion, each provider with its own
 * concurrency bound and wall-clock budget (what arrived by then is kept; the rest is cancelled and named
 * in a warning on the root span). On replay (a cached trace ID) a provider that can reload its recorded
 * results does so instead of searching again. Returns what to record in the trace cache entry.
 */
import { Tag } from '../../runtime/model/constants.ts';
import { tagString, type Span } from '../model/span.ts';
import type { SpanTree } from '../model/tree.ts';
import type { ExtensionRecord } from '../tracecache/types.ts';
import { attachSpans } from './attach.ts';
import type { Extension, FetchQuery, ObjectRef } from './types.ts';

export interface ExtensionRunOptions {
  /** The displayed time range, µs. */
  startUs: number;
  endUs: number;
  /** Records of the trace cache entry being opened; absent for a search. */
  replay?: ExtensionRecord[];
}

/** One fetch or cache load, for one span. */
interface Job {
  parentSpanId: string;
  op: 'fetch' | 'load';
  run(signal: AbortSignal): Promise<{ spans: Span[]; record?: ExtensionRecord } | undefined>;
}

interface Outcome {
  parentSpanId: string;
  spans: Span[];
  record?: ExtensionRecord;
}

export async function runExtensions(tree: SpanTree, extensions: Extension[], opts: ExtensionRunOptions): Promise<ExtensionRecord[]> {
  if (extensions.length === 0) return [];
  // All fetches first (they read the tree's tags), then the tree changes.
  const outcomes = await Promise.all(extensions.map((ext) => runJobs(tree, ext, planJobs(tree, ext, opts))));
  const records: ExtensionRecord[] = [];
  for (const o of outcomes.flat()) {
    attachSpans(tree, o.parentSpanId, o.spans);
    if (o.record) records.push(o.record);
  }
  return records;
}

/** JSON with sorted keys: a config read back from the cache may list its keys in another order. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

function sameConfig(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

function objectRef(span: Span): ObjectRef {
  const t = (k: string) => tagString(span, k) ?? '';
  return { cluster: t(Tag.cluster), group: t(Tag.group), version: t(Tag.version), resource: t(Tag.resource), namespace: t(Tag.namespace), name: t(Tag.name) };
}

function planJobs(tree: SpanTree, ext: Extension, opts: ExtensionRunOptions): Job[] {
  const { provider } = ext;
  const recorded = provider.loadCache ? (opts.replay ?? []).filter((r) => r.providerKind === provider.kind && sameConfig(r.providerConfig, ext.rawConfig)) : [];
  if (recorded.length > 0) {
    return recorded
      .filter((r) => tree.has(r.parentSpanId))
      .map((r) => ({ parentSpanId: r.parentSpanId, op: 'load', run: async (signal) => ({ spans: await provider.loadCache!(r.identifier, signal), record: r }) }));
  }
  const jobs: Job[] = [];
  for (const span of tree.all()) {
    const isObject = tagString(span, Tag.pseudoType) === 'object';
    if (!isObject && tagString(span, Tag.traceSource) !== 'audit') continue;
    const tags = Object.fromEntries([...span.tags.keys()].map((k) => [k, tagString(span, k)!]));
    const base = { object: objectRef(span), tags, startUs: opts.startUs, endUs: opts.endUs };
    jobs.push({
      parentSpanId: span.spanId,
      op: 'fetch',
      run: async (signal) => {
        const q: FetchQuery = isObject ? { ...base, signal } : { ...base, resourceVersion: tagString(span, Tag.resourceVersion) ?? '', signal };
        const result = await (isObject ? provider.fetchForObject(q) : provider.fetchForVersion(q));
        if (!result) return undefined;
        // Results that found nothing are not recorded: opening the trace searches again.
        const record = result.spans.length ? { parentTraceId: span.traceId, parentSpanId: span.spanId, providerKind: provider.kind, providerConfig: ext.rawConfig, identifier: result.identifier } : undefined;
        return { spans: result.spans, ...(record ? { record } : {}) };
      },
    });
  }
  return jobs;
}

/** Runs jobs `maxConcurrency` at a time until done or `totalTimeout`; keeps what finished by then. */
async function runJobs(tree: SpanTree, ext: Extension, jobs: Job[]): Promise<Outcome[]> {
  if (jobs.length === 0) return [];
  const { provider, metrics, logger } = ext;
  const controller = new AbortController();
  const deadline = new Promise<'timeout'>((resolve) => controller.signal.addEventListener('abort', () => resolve('timeout'), { once: true }));
  const timer = setTimeout(() => controller.abort(new Error(`extension "${ext.name}": totalTimeout of ${provider.totalTimeoutMs} ms reached`)), provider.totalTimeoutMs);
  const outcomes: Outcome[] = [];
  const errors: Error[] = [];
  let started = 0;
  let cut = 0;
  const worker = async () => {
    while (started < jobs.length && !controller.signal.aborted) {
      const job = jobs[started++]!;
      const t0 = performance.now();
      const seconds = () => (performance.now() - t0) / 1000;
      try {
        const r = await Promise.race([job.run(controller.signal), deadline]);
        if (r === 'timeout') {
          cut++;
          metrics.observe(job.op, 'timeout', seconds());
        } else {
          metrics.observe(job.op, r ? 'ok' : 'none', seconds());
          if (r) outcomes.push({ parentSpanId: job.parentSpanId, ...r });
        }
      } catch (err) {
        if (controller.signal.aborted) {
          cut++;
          metrics.observe(job.op, 'timeout', seconds());
          continue;
        }
        metrics.observe(job.op, 'error', seconds());
        errors.push(err as Error);
        logger.warn('extension fetch failed', { span: job.parentSpanId, op: job.op, err });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(provider.maxConcurrency, jobs.length) }, worker));
  } finally {
    clearTimeout(timer);
  }
  const skipped = jobs.length - started;
  metrics.skippedFetches(skipped);
  if (errors.length) tree.root.warnings.push(`extension "${ext.name}": ${errors.length} of ${jobs.length} fetches failed, first: ${errors[0]!.message}`);
  if (cut + skipped > 0) {
    tree.root.warnings.push(`extension "${ext.name}": totalTimeout ${provider.totalTimeoutMs} ms reached, ${cut + skipped} of ${jobs.length} fetches not finished`);
    logger.warn('extension totalTimeout reached', { unfinished: cut + skipped, jobs: jobs.length, totalTimeoutMs: provider.totalTimeoutMs });
  }
  return outcomes;
}
