/**
 * Store errors of the span cache (`spancache_*{result="error"}`; AlreadyReserved/UidMismatch/InvalidKey
 * are expected races, not errors) and of the diff cache (`diff_cache_op_count{error="true"}`, write
 * failures of the diff controller, and the original's `diff_cache_fetch*_count{error}` labels).
 * Without a window the counts are since the processes started: then errors that all lie further back
 * than `recentSeconds` (by `cache_last_error_timestamp_seconds`) are reported but not flagged, as a store
 * that came up after its clients leaves errors behind that say nothing about now.
 */
import { CACHE_LAST_ERROR } from '../../metrics/cacheErrors.ts';
import type { MetricSet } from '../metricSet.ts';
import type { DiagnoseContext, Finding } from '../types.ts';
import { absent, ago, fmt, period } from './wording.ts';

/** Without a window, errors older than this are history, not a problem. */
const recentSeconds = 300;

const spanCacheOps = ['spancache_fetch_or_reserve', 'spancache_fetch', 'spancache_set_reserved'];
const originalDiffFetch = ['diff_cache_fetch', 'diff_cache_fetch_snapshot'];
const isError = (e: string) => e !== '' && e !== '<nil>' && e !== 'false';

export function cacheErrors(set: MetricSet, ctx: DiagnoseContext): Finding {
  const id = 'cacheErrors';
  const families = [...spanCacheOps, 'diff_cache_op_count', 'diff_controller_write_error_count', ...originalDiffFetch];
  if (!families.some((f) => set.has(f))) return absent(id, 'span and diff cache errors');

  const span = spanCacheOps.reduce((n, op) => n + set.increase(`${op}_count`, { result: 'error' }), 0);
  const diff =
    set.increase('diff_cache_op_count', { error: 'true' }) +
    set.increase('diff_controller_write_error_count') +
    originalDiffFetch.reduce((n, op) => n + set.increase(`${op}_count`, { error: isError }), 0);
  const total = span + diff;
  let message = `${fmt(span)} span cache errors, ${fmt(diff)} diff cache errors ${period(set, ctx)}`;
  if (total === 0) return { id, ok: true, figure: 0, message, suggestion: '' };
  const last = set.windowed ? 0 : Math.max(0, ...set.current(CACHE_LAST_ERROR).map((s) => s.value));
  if (last > 0) {
    const agoS = Math.max(0, (ctx.nowMs ?? Date.now()) / 1000 - last);
    if (agoS > recentSeconds) return { id, ok: true, figure: total, message: `${message}, none in the last ${recentSeconds / 60}m (the last ${ago(agoS)} ago)`, suggestion: '' };
    message += `, the last ${ago(agoS)} ago`;
  }
  return {
    id,
    ok: false,
    figure: total,
    message,
    suggestion:
      'the cache store failed: check stores.etcd.endpoints / stores.redis.url are reachable from the pods, the credentials ' +
      '(passwordEnv) and TLS settings, and the store\'s own health (etcdctl endpoint health / redis-cli ping)',
  };
}
