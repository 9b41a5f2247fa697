/**
 * The diff decorator (spec 7.7): run by the audit consumer on each audit span before it is sent. It
 * attaches what the diff controller observed for the same change: an `audit/objectDiff` log for
 * update/patch (found by resourceVersion), an `audit/objectSnapshot` log for create/delete, or errors.
 * The watch may trail the audit event, so a miss is retried (after 50 ms, doubling up to `fetchBackoff`)
 * until stageTimestamp + `fetchEventTimeout` or `fetchTotalTimeout` after the first attempt, whichever is
 * first — unless no diff can ever be found (NoNewRv, or the event predates the diff controller's first
 * complete list of its cluster: the "listed since" marker), then after the first attempt. It returns what it found; the audit
 * consumer applies it to the span.
 */
import type { Registry } from 'prom-client';
import type { SpanLog } from '../aggregator/types.ts';
import type { AuditDecoration, AuditDecoratorInput } from '../audit/decorator.ts';
import type { AuditEvent, AuditObject } from '../audit/types.ts';
import type { DiffDecoratorConfig } from '../config/sections/informers.ts';
import { histogram, summary } from '../metrics/define.ts';
import { LogType, Tag } from '../model/constants.ts';
import type { ObjectKey } from '../model/objectKey.ts';
import { backoffDelay } from '../util/backoff.ts';
import type { Logger } from '../util/log.ts';
import { sleep } from '../util/sleep.ts';
import { formatDiffLine } from './compare.ts';
import { NoNewRvError, type DiffCache, type Patch, type Snapshot } from './types.ts';

export interface DiffDecoratorDeps {
  cache: DiffCache;
  registry: Registry;
  logger: Logger;
  /** Aborted on shutdown, to stop waiting for diffs. */
  signal?: AbortSignal;
}

/** How long the "listed since" marker of a cluster is reused before it is read again. */
const LISTED_SINCE_REFRESH_MS = 5_000;

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

function diffLines(patch: Patch): string {
  return patch.DiffList.diffs
    .filter((d) => !d.jsonPath.startsWith(hiddenPrefix))
    .map((d) => formatDiffLine(d) + '\n')
    .join('');
}

type Attempt<T> = () => Promise<T | undefined>;
/** The `cacheHit` label: whether a diff or snapshot was found, or why none was looked for. */
type Outcome = 'true' | 'false' | 'failedRequest' | 'rawJsonDecodeError' | 'noopUpdate' | 'subresource' | 'unsupportedVerb';
type Labels = { cluster: string; apiGroup: string; resource: string };

/** The decoration being built: tags and logs in the order they are found. */
class Decoration implements AuditDecoration {
  readonly tags: Record<string, string> = {};
  readonly logs: SpanLog[] = [];
  log(type: SpanLog['type'], message: string): void {
    this.logs.push({ type, message });
  }
}

/** The resourceVersion the response reports (undefined for none or a Status), or 'undecodable'. */
function responseRv(event: AuditEvent): string | undefined | 'undecodable' {
  if (event.responseObject === undefined || event.responseObject === null) return undefined;
  const r = event.responseObject as { kind?: unknown; metadata?: { resourceVersion?: unknown } };
  if (typeof r !== 'object' || Array.isArray(r) || (r.metadata !== undefined && (typeof r.metadata !== 'object' || r.metadata === null))) return 'undecodable';
  return r.kind !== 'Status' && typeof r.metadata?.resourceVersion === 'string' ? r.metadata.resourceVersion : undefined;
}

/** Errors no retry can cure (anywhere in the cause chain): the diff can never be found for this event. */
function isPermanent(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof NoNewRvError) return true;
  return false;
}

function objectPath(key: ObjectKey): string {
  return `${key.group}/${key.resource}/${key.namespace}/${key.name}`;
}

export class DiffDecorator {
  private readonly config: DiffDecoratorConfig;
  private readonly cache: DiffCache;
  private readonly logger: Logger;
  private readonly signal: AbortSignal | undefined;
  private readonly decorations;
  private readonly retries;
  private readonly informerLatency;
  private readonly listedSince = new Map<string, { at: number; value: Promise<number | undefined> }>();

  constructor(config: DiffDecoratorConfig, deps: DiffDecoratorDeps) {
    this.config = config;
    this.cache = deps.cache;
    this.logger = deps.logger.child({ component: 'diff-decorator' });
    this.signal = deps.signal;
    this.decorations = histogram(deps.registry, 'diff_decorator', 'Audit spans decorated, by verb and outcome (cacheHit).', ['verb', 'cacheHit', 'cluster', 'apiGroup', 'resource']);
    this.retries = summary(deps.registry, 'diff_decorator_retry_count', 'Diff cache attempts per decorated span.', ['cluster', 'apiGroup', 'resource', 'success']);
    this.informerLatency = histogram(deps.registry, 'diff_informer_latency', 'From the audit stageTimestamp to the watch seeing the change, in seconds.', ['cluster', 'apiGroup', 'resource'], [-1, 0, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30]);
  }

  /** An AuditDecorator: what the diff cache knows of this change, as logs and tags for the audit span. */
  readonly decorate = async ({ message, object }: AuditDecoratorInput): Promise<AuditDecoration> => {
    const verb = message.event.verb ?? '';
    const labels: Labels = { cluster: message.cluster, apiGroup: object.group ? `${object.group}/${object.version}` : object.version, resource: object.resource };
    const end = this.decorations.startTimer({ verb, ...labels });
    const out = new Decoration();
    end({ cacheHit: await this.decorateInto(out, message.event, object, labels) });
    return out;
  };

  private async decorateInto(out: Decoration, event: AuditEvent, object: AuditObject, labels: Labels): Promise<Outcome> {
    const st = event.responseStatus;
    if (typeof st?.code === 'number' && st.code >= 300) {
      out.log(LogType.realError, `${st.reason ?? ''}: ${st.message ?? ''}`);
      for (const c of st.details?.causes ?? []) out.log(LogType.realError, `${c.reason ?? ''}: ${c.message ?? ''}`);
      return 'failedRequest';
    }
    const newRv = responseRv(event);
    if (newRv === 'undecodable') {
      out.log(LogType.kelemetryError, 'Error decoding raw object');
      return 'rawJsonDecodeError';
    }
    const key: ObjectKey = { cluster: object.cluster, group: object.group, resource: object.resource, namespace: object.namespace, name: object.name };
    const stageMs = Date.parse(event.stageTimestamp ?? '') || Date.now();
    const verb = event.verb ?? '';
    if (verb === 'update' || verb === 'patch') return this.attachPatch(out, key, object.requestResourceVersion, newRv, stageMs, labels);
    if (verb === 'create' || verb === 'delete') {
      if (object.subresource) return 'subresource';
      return this.attachSnapshot(out, key, verb, newRv, stageMs, labels);
    }
    return 'unsupportedVerb';
  }

  private async attachPatch(out: Decoration, key: ObjectKey, oldRv: string, newRv: string | undefined, stageMs: number, labels: Labels): Promise<Outcome> {
    if (newRv !== undefined && newRv === oldRv) {
      out.log(LogType.realVerbose, 'No-op update');
      return 'noopUpdate';
    }
    if (newRv) out.tags[Tag.newResourceVersion] = newRv;
    const { value: patch, error } = await this.poll<Patch>(() => this.cache.fetchPatch(key, oldRv, newRv), stageMs, labels);
    if (!patch) {
      // Every update of a Metadata-level cluster misses by design (NoNewRv): the span says so, the log need not.
      const log = isPermanent(error) ? this.logger.debug : this.logger.warn;
      log.call(this.logger, 'no diff found for audit event', { cluster: key.cluster, object: objectPath(key), newRv, err: error });
      if (error) out.log(LogType.kelemetryError, (error as Error).message ?? String(error));
      return 'false';
    }
    if (patch.Redacted) out.log(LogType.kelemetryError, 'Sensitive object content has been redacted');
    else {
      const lines = diffLines(patch);
      if (lines) out.log(LogType.objectDiff, lines);
    }
    const latencyMs = Date.parse(patch.InformerTime) - stageMs;
    if (Number.isFinite(latencyMs)) {
      out.tags[Tag.informerLatency] = goDuration(latencyMs);
      this.informerLatency.observe(labels, latencyMs / 1000);
    }
    return 'true';
  }

  private async attachSnapshot(out: Decoration, key: ObjectKey, verb: 'create' | 'delete', newRv: string | undefined, stageMs: number, labels: Labels): Promise<Outcome> {
    const name = verb === 'create' ? 'creation' : 'deletion';
    // A re-created object may still have its predecessor's creation snapshot: wait for the one whose
    // resourceVersion is the one this create returned.
    const attempt = async () => {
      const s = await this.cache.fetchSnapshot(key, name);
      return s && verb === 'create' && newRv && s.ResourceVersion && s.ResourceVersion !== newRv ? undefined : s;
    };
    const { value: snap, error } = await this.poll<Snapshot>(attempt, stageMs, labels);
    if (!snap) {
      this.logger.warn('no snapshot found for audit event', { cluster: key.cluster, object: objectPath(key), snapshot: name, err: error });
      if (error) out.log(LogType.kelemetryError, (error as Error).message ?? String(error));
      return 'false';
    }
    if (!snap.Redacted) out.log(LogType.objectSnapshot, JSON.stringify(snap.Value));
    return 'true';
  }

  /** First attempt now; then poll until a hit or a deadline. The last error (if any) is returned. */
  private async poll<T>(attempt: Attempt<T>, stageMs: number, labels: Labels): Promise<{ value?: T; error?: unknown }> {
    const deadline = Math.min(Date.now() + this.config.fetchTotalTimeout, stageMs + this.config.fetchEventTimeout);
    // The watch usually trails the audit event by milliseconds: retry after 50 ms, doubling up to
    // fetchBackoff. (A flat 1 s wait, as in the original, holds back every later event of the same
    // object, since one object's events are processed in order.)
    const backoff = { initialMs: 50, maxMs: this.config.fetchBackoff };
    let error: unknown;
    for (let attempts = 1; ; attempts++) {
      try {
        const v = await attempt();
        error = undefined;
        if (v !== undefined) {
          this.retries.observe({ ...labels, success: 'true' }, attempts);
          return { value: v };
        }
      } catch (err) {
        error = err;
      }
      const wait = backoffDelay(attempts, backoff);
      // A permanent miss (NoNewRv: Metadata-level audit; a change before the watch began) would otherwise
      // hold this object's later events.
      if (isPermanent(error) || Date.now() + wait > deadline || this.signal?.aborted || (error === undefined && (await this.predatesList(labels.cluster, stageMs)))) {
        this.retries.observe({ ...labels, success: 'false' }, attempts);
        return { error };
      }
      await sleep(wait, this.signal);
    }
  }

  /** Whether the event came before the diff controller's first complete list of the cluster (read at most every 5 s). */
  private async predatesList(cluster: string, stageMs: number): Promise<boolean> {
    let cached = this.listedSince.get(cluster);
    if (!cached || Date.now() - cached.at > LISTED_SINCE_REFRESH_MS) {
      const value = this.cache.fetchListedSince(cluster).catch((err: unknown) => {
        this.logger.warn('reading the diff controller\'s listed-since marker failed', { cluster, err });
        return undefined;
      });
      cached = { at: Date.now(), value };
      this.listedSince.set(cluster, cached);
    }
    const since = await cached.value;
    return since !== undefined && stageMs < since;
  }
}
