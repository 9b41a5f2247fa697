/**
 * The event controller's progress, kept in a ConfigMap (spec 6; keys `timestamp` and `lastUpdated` as in
 * the original) so a new leader neither replays nor loses Events:
 *  - `handledSince` (RFC 3339, ms): events before it are considered handled;
 *  - `handled`: JSON `{occurrenceKey: unixMs}` of every occurrence handled at or after `handledSince`.
 * The original kept only a second-precision high-water mark, which both replays same-second events and
 * drops late-arriving older ones at a hand-over.
 */
import { isConflict, isNotFound } from '../k8s/errors.ts';
import type { KubeRest } from '../k8s/rest.ts';

interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  data?: Record<string, string>;
}

export interface ProgressOptions {
  rest: KubeRest;
  namespace: string;
  name: string;
  /** How far before the high-water mark the saved set reaches. */
  lookbackMs: number;
  /** Upper bound of saved occurrence keys (a ConfigMap holds at most 1 MiB). */
  maxSavedKeys?: number;
}

function floorSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export class Progress {
  /** Occurrences before this instant are not handled again. */
  readonly handledSince: number;
  private readonly handled = new Map<string, number>();
  private highWater: number;
  private dirty = false;
  private cm: ConfigMap;

  private constructor(
    private readonly opts: ProgressOptions,
    cm: ConfigMap,
  ) {
    this.cm = cm;
    const data = cm.data ?? {};
    const ts = Date.parse(data.timestamp ?? '');
    this.highWater = Number.isFinite(ts) ? ts : Date.now();
    const since = Date.parse(data.handledSince ?? '');
    // A ConfigMap written by the original has only `timestamp`: same rule as the original.
    this.handledSince = Number.isFinite(since) ? since : this.highWater;
    try {
      for (const [k, v] of Object.entries(JSON.parse(data.handled ?? '{}') as Record<string, number>)) this.handled.set(k, v);
    } catch {
      // A corrupt set only costs possible duplicates of the lookback window; the high-water rule still holds.
    }
  }

  private static path(o: ProgressOptions, name?: string): string {
    return `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/configmaps${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  /** Reads the ConfigMap, creating it (`timestamp = now`) when missing. */
  static async load(opts: ProgressOptions): Promise<Progress> {
    try {
      return new Progress(opts, await opts.rest.request<ConfigMap>({ path: Progress.path(opts, opts.name) }));
    } catch (err) {
      if (!isNotFound(err)) throw new Error(`event progress ConfigMap ${opts.namespace}/${opts.name}: ${(err as Error).message}`, { cause: err });
    }
    const now = Date.now();
    const fresh: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: opts.name, namespace: opts.namespace },
      data: { timestamp: rfc3339Seconds(now), handledSince: new Date(now).toISOString(), handled: '{}' },
    };
    return new Progress(opts, await opts.rest.request<ConfigMap>({ method: 'POST', path: Progress.path(opts), body: fresh }));
  }

  /** Why this occurrence must not be handled, or undefined. */
  skipReason(key: string, timeMs: number): 'BeforeRestart' | 'Duplicate' | undefined {
    // Event times often have second precision (lastTimestamp): compare by second, and let the saved
    // set decide within that second.
    if (timeMs < floorSecond(this.handledSince)) return 'BeforeRestart';
    if (this.handled.has(key)) return 'Duplicate';
    return undefined;
  }

  markHandled(key: string, timeMs: number): void {
    this.handled.set(key, timeMs);
    if (timeMs > this.highWater) this.highWater = timeMs;
    this.dirty = true;
  }

  /** Forgets keys old enough that the age limit drops them anyway (bounds memory). */
  prune(olderThanMs: number): void {
    for (const [k, t] of this.handled) if (t < olderThanMs && t < this.highWater - this.opts.lookbackMs) this.handled.delete(k);
  }

  get pendingWrite(): boolean {
    return this.dirty;
  }

  private snapshotData(): Record<string, string> {
    let since = Math.max(this.handledSince, this.highWater - this.opts.lookbackMs);
    let kept = [...this.handled].filter(([, t]) => t >= floorSecond(since));
    const max = this.opts.maxSavedKeys ?? 10_000;
    if (kept.length > max) {
      kept.sort((a, b) => b[1] - a[1]);
      // Cut at a second boundary so that the whole second before the cut is "before restart".
      since = floorSecond(kept[max - 1]![1]) + 1000;
      kept = kept.filter(([, t]) => t >= since);
    }
    return {
      timestamp: rfc3339Seconds(this.highWater),
      lastUpdated: rfc3339Seconds(Date.now()),
      handledSince: new Date(since).toISOString(),
      handled: JSON.stringify(Object.fromEntries(kept)),
    };
  }

  /** Writes the progress if anything changed (re-reading on conflict). */
  async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    for (let attempt = 0; ; attempt++) {
      const body: ConfigMap = { ...this.cm, data: { ...(this.cm.data ?? {}), ...this.snapshotData() } };
      try {
        this.cm = await this.opts.rest.request<ConfigMap>({ method: 'PUT', path: Progress.path(this.opts, this.opts.name), body });
        return;
      } catch (err) {
        if (isConflict(err) && attempt < 3) {
          this.cm = await this.opts.rest.request<ConfigMap>({ path: Progress.path(this.opts, this.opts.name) });
          continue;
        }
        this.dirty = true;
        throw new Error(`event progress ConfigMap ${this.opts.namespace}/${this.opts.name}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
}
