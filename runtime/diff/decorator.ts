/**
 * The diff decorator (spec 7.7): run by the audit consumer on each audit span before it is sent. It
 * attaches what the diff controller observed for the same change: an `audit/objectDiff` log for
 * update/patch (found by resourceVersion), an `audit/objectSnapshot` log for create/delete, or errors.
 * The watch may trail the audit event, so a miss is retried every `fetchBackoff` until
 * stageTimestamp + `fetchEventTimeout` or `fetchTotalTimeout` after the first attempt, whichever is first.
 */
import type { Registry } from 'prom-client';
import type { SpanLog } from '../aggregator/types.ts';
import type { AuditDecorator, AuditDecoratorInput } from '../audit/decorator.ts';
import type { DiffDecoratorConfig } from '../config/sections/informers.ts';
import { sleep } from '../k8s/listWatch.ts';
import { histogram, summary } from '../metrics/define.ts';
import { LogType, Tag } from '../model/constants.ts';
import type { ObjectKey } from '../model/objectKey.ts';
import type { Logger } from '../util/log.ts';
import { formatDiffLine } from './compare.ts';
import type { DiffCache, Patch, Snapshot } from './types.ts';

export type { AuditDecorator, AuditDecoratorInput };

export interface DiffDecoratorDeps {
  cache: DiffCache;
  config: DiffDecoratorConfig;
  registry: Registry;
  logger: Logger;
  /** Aborted on shutdown, to stop waiting for diffs. */
  signal?: AbortSignal;
}

/** Lines never shown as a diff (the UI hides them; the Go writer still stores them). */
const hiddenPrefix = 'metadata.managedFields';

/** Go's time.Duration String() for the `informer latency` tag, e.g. `312.5ms`, `1.5s`, `-20ms`, `1m2s`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const trim = (n: number) => String(Number(n.toFixed(6)));
  if (abs < 1) return `${sign}${trim(abs * 1000)}µs`;
  if (abs < 1000) return `${sign}${trim(abs)}ms`;
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = (abs % 60_000) / 1000;
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${trim(s)}s`;
}

export function diffLines(patch: Patch): string {
  return patch.DiffList.diffs
    .filter((d) => !d.jsonPath.startsWith(hiddenPrefix))
    .map((d) => formatDiffLine(d) + '\n')
    .join('');
}

type Attempt<T> = () => Promise<T | undefined>;
type Outcome = 'true' | 'false' | 'failedRequest' | 'noObjectRef' | 'rawJsonDecodeError' | 'noopUpdate' | 'sameRv' | 'subresource' | 'unsupportedVerb';

export function createDiffDecorator(deps: DiffDecoratorDeps): (input: AuditDecoratorInput) => Promise<void> {
  const { cache, config, logger } = deps;
  const decorations = histogram(deps.registry, 'diff_decorator', 'Audit spans decorated, by verb and outcome (cacheHit).', ['verb', 'cacheHit', 'cluster', 'apiGroup', 'resource']);
  const retries = summary(deps.registry, 'diff_decorator_retry_count', 'Diff cache attempts per decorated span.', ['cluster', 'apiGroup', 'resource', 'success']);
  const informerLatency = histogram(deps.registry, 'diff_informer_latency', 'From the audit stageTimestamp to the watch seeing the change, in seconds.', ['cluster', 'apiGroup', 'resource'], [-1, 0, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30]);

  /** First attempt now; then poll until a hit or a deadline. The last error (if any) is returned. */
  async function poll<T>(attempt: Attempt<T>, stageMs: number, labels: Record<string, string>): Promise<{ value?: T; error?: unknown }> {
    const start = Date.now();
    const deadline = Math.min(start + config.fetchTotalTimeout, stageMs + config.fetchEventTimeout);
    let attempts = 0;
    let error: unknown;
    for (;;) {
      attempts++;
      try {
        const v = await attempt();
        error = undefined;
        if (v !== undefined) {
          retries.observe({ ...labels, success: 'true' }, attempts);
          return { value: v };
        }
      } catch (err) {
        error = err;
      }
      // The watch usually trails the audit event by milliseconds: retry after 50 ms, doubling up to
      // fetchBackoff. (A flat 1 s wait, as in the original, holds back every later event of the same
      // object, since one object's events are processed in order.)
      const wait = Math.min(config.fetchBackoff, 50 * 2 ** (attempts - 1));
      if (Date.now() + wait > deadline || deps.signal?.aborted) break;
      await sleep(wait, deps.signal);
    }
    retries.observe({ ...labels, success: 'false' }, attempts);
    return { error };
  }

  return async ({ message, object, span }) => {
    const event = message.event;
    const verb = event.verb ?? '';
    const ref = event.objectRef;
    const labels = { cluster: message.cluster, apiGroup: object.group ? `${object.group}/${object.version}` : object.version, resource: object.resource };
    const end = decorations.startTimer({ verb, ...labels });
    const done = (cacheHit: Outcome): void => {
      end({ cacheHit });
    };
    const log = (type: SpanLog['type'], text: string) => span.logs.push({ type, message: text });

    const code = event.responseStatus?.code;
    if (typeof code === 'number' && code >= 300) {
      const st = event.responseStatus!;
      log(LogType.realError, `${st.reason ?? ''}: ${st.message ?? ''}`);
      for (const c of st.details?.causes ?? []) log(LogType.realError, `${c.reason ?? ''}: ${c.message ?? ''}`);
      return done('failedRequest');
    }
    if (!ref) return done('noObjectRef');

    let newRv: string | undefined;
    if (event.responseObject !== undefined && event.responseObject !== null) {
      const r = event.responseObject as { kind?: unknown; metadata?: { resourceVersion?: unknown } };
      if (typeof r !== 'object' || Array.isArray(r) || (r.metadata !== undefined && (typeof r.metadata !== 'object' || r.metadata === null))) {
        log(LogType.kelemetryError, 'Error decoding raw object');
        return done('rawJsonDecodeError');
      }
      if (r.kind !== 'Status' && typeof r.metadata?.resourceVersion === 'string') newRv = r.metadata.resourceVersion;
    }
    const key: ObjectKey = { cluster: object.cluster, group: object.group, resource: object.resource, namespace: object.namespace, name: object.name };
    const stageMs = Date.parse(event.stageTimestamp ?? '') || Date.now();

    if (verb === 'update' || verb === 'patch') {
      const oldRv = ref.resourceVersion ?? '';
      if (newRv !== undefined && newRv === oldRv) {
        log(LogType.realVerbose, 'No-op update');
        return done('noopUpdate');
      }
      if (newRv) span.tags[Tag.newResourceVersion] = newRv;
      const { value: patch, error } = await poll<Patch>(() => cache.fetchPatch(key, oldRv, newRv), stageMs, labels);
      if (!patch) {
        logger.warn('no diff found for audit event', { cluster: key.cluster, object: `${key.group}/${key.resource}/${key.namespace}/${key.name}`, newRv, err: error });
        if (error) log(LogType.kelemetryError, (error as Error).message ?? String(error));
        return done('false');
      }
      if (patch.Redacted) log(LogType.kelemetryError, 'Sensitive object content has been redacted');
      else {
        const lines = diffLines(patch);
        if (lines) log(LogType.objectDiff, lines);
      }
      const latencyMs = Date.parse(patch.InformerTime) - stageMs;
      if (Number.isFinite(latencyMs)) {
        span.tags[Tag.informerLatency] = goDuration(latencyMs);
        informerLatency.observe(labels, latencyMs / 1000);
      }
      return done('true');
    }

    if (verb === 'create' || verb === 'delete') {
      if (ref.subresource) return done('subresource');
      const name = verb === 'create' ? 'creation' : 'deletion';
      // A re-created object may still have its predecessor's creation snapshot: wait for the one whose
      // resourceVersion is the one this create returned.
      const attempt = async () => {
        const s = await cache.fetchSnapshot(key, name);
        return s && verb === 'create' && newRv && s.ResourceVersion && s.ResourceVersion !== newRv ? undefined : s;
      };
      const { value: snap, error } = await poll<Snapshot>(attempt, stageMs, labels);
      if (!snap) {
        logger.warn('no snapshot found for audit event', { cluster: key.cluster, object: `${key.group}/${key.resource}/${key.namespace}/${key.name}`, snapshot: name, err: error });
        if (error) log(LogType.kelemetryError, (error as Error).message ?? String(error));
        return done('false');
      }
      if (!snap.Redacted) log(LogType.objectSnapshot, JSON.stringify(snap.Value));
      return done('true');
    }
    return done('unsupportedVerb');
  };
}
