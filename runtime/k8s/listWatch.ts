/**
 * A reflector: LIST (paginated, see list.ts) then WATCH from the listed resourceVersion, resuming from
 * the last seen resourceVersion after the server closes the stream or it fails, and relisting when
 * that resourceVersion expired (410). Handlers are awaited, so a slow consumer slows the watch instead
 * of buffering without bound. One owner, one stop path.
 *
 * After an apiserver restart its watch cache starts empty, at the revision it came up with: resuming from
 * an older resourceVersion is refused (410 "too old resource version: <ours> (<oldest>)"), though every
 * change since <oldest> is still there to watch. A handler with onRelistFrom gets the LIST to reconcile
 * only up to <oldest>, and the watch resumes from <oldest>: changes made since the apiserver came back
 * arrive one by one instead of merged into the LIST (the diff controller needs each one).
 */
import type { Registry } from 'prom-client';
import { Backoff } from '../util/backoff.ts';
import type { Logger } from '../util/log.ts';
import { sleep } from '../util/sleep.ts';
import { counter, gauge } from '../metrics/define.ts';
import { isGone, KubeApiError } from './errors.ts';
import { listAll, type KubeObject } from './list.ts';
import type { KubeRest, WatchEvent } from './rest.ts';

export type { KubeObject } from './list.ts';

export interface ListWatchHandlers {
  /** The complete current state after a LIST; `initial` is true for the first one. */
  onList(items: KubeObject[], resourceVersion: string, initial: boolean): void | Promise<void>;
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void | Promise<void>;
  /**
   * Optional: a relist after a 410 that named the oldest resourceVersion still watchable, `resumeFrom`.
   * The watch then resumes from `resumeFrom` (not from `resourceVersion`, the LIST's): items changed after
   * it arrive again as events, so the handler takes from `items` only what is at or before `resumeFrom`
   * and what is missing (deleted at or before `resourceVersion`). Without it, a plain relist (onList).
   */
  onRelistFrom?(items: KubeObject[], resourceVersion: string, resumeFrom: string): void | Promise<void>;
  /** Optional: a bookmark; the watch has delivered everything up to `resourceVersion`. */
  onBookmark?(resourceVersion: string): void | Promise<void>;
}

/** etcd-backed resourceVersions are integers; undefined for one that is not (compare nothing then). */
export function numericRv(rv: string | undefined): bigint | undefined {
  return rv && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

/**
 * The resourceVersion to resume watching from after `err` (a 410), when the apiserver named the oldest
 * one it still has (its watch cache: "too old resource version: <ours> (<oldest>)") and that is later than
 * ours; undefined otherwise (relist plainly).
 */
export function resumableFrom(err: unknown, ours: string | undefined): string | undefined {
  const m = /too old resource version: (\d+) \((\d+)\)/.exec(err instanceof Error ? err.message : '');
  const from = m?.[2];
  const o = numericRv(ours);
  return from !== undefined && o !== undefined && BigInt(from) > o ? from : undefined;
}

export interface ListWatchOptions {
  rest: KubeRest;
  /** Collection path, e.g. /apis/apps/v1/deployments. */
  path: string;
  /** Label for logs and metrics, e.g. `apps/v1/deployments`. */
  name: string;
  component: string;
  logger: Logger;
  registry: Registry;
  pageSize?: number;
  fieldSelector?: string;
  labelSelector?: string;
  /** The server ends each watch after this (default 300–600 s, spread): a silently dead stream is replaced within it. */
  watchTimeoutSeconds?: number;
}

export class ListWatch {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private resourceVersion: string | undefined;
  /** Set by a 410 that named where the watch can resume (see resumableFrom); used by the next LIST. */
  private resumeFrom: string | undefined;
  private listedOnce = false;
  private readonly events;
  private readonly lists;
  private readonly errors;
  private readonly lastEvent;

  constructor(
    private readonly opts: ListWatchOptions,
    private readonly handlers: ListWatchHandlers,
  ) {
    const r = opts.registry;
    this.events = counter(r, 'kube_watch_event_count', 'Watch events received.', ['component', 'resource', 'type']);
    this.lists = counter(r, 'kube_list_count', 'Full LISTs (initial and relists).', ['component', 'resource']);
    this.errors = counter(r, 'kube_watch_error_count', 'List/watch failures (retried with backoff).', ['component', 'resource', 'reason']);
    this.lastEvent = gauge(r, 'kube_watch_last_event_timestamp_seconds', 'When the last watch event arrived.', ['component', 'resource']);
  }

  get synced(): boolean {
    return this.listedOnce;
  }

  /**
   * The last attempt was refused with 403: RBAC does not let this process read the resource. Kept apart
   * from other failures so readiness need not wait for a grant that may never come (retries go on).
   */
  forbidden = false;

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async list(): Promise<void> {
    const { rest, path, pageSize, fieldSelector, labelSelector } = this.opts;
    const { items, resourceVersion } = await listAll(rest, path, { pageSize, fieldSelector, labelSelector, signal: this.abort.signal });
    this.lists.inc({ component: this.opts.component, resource: this.opts.name });
    const initial = !this.listedOnce;
    const from = this.resumeFrom;
    this.resumeFrom = undefined;
    const listed = numericRv(resourceVersion);
    if (from !== undefined && this.handlers.onRelistFrom && listed !== undefined && listed >= BigInt(from)) {
      await this.handlers.onRelistFrom(items, resourceVersion, from);
      this.resourceVersion = from;
    } else {
      await this.handlers.onList(items, resourceVersion, initial);
      this.resourceVersion = resourceVersion;
    }
    this.listedOnce = true;
    this.forbidden = false;
  }

  private async run(): Promise<void> {
    const { component, name, logger } = this.opts;
    const labels = { component, resource: name };
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
    while (!this.abort.signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.list();
        await this.opts.rest.watch(
          this.opts.path,
          {
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            // Spread reconnects; the server closes the stream after this and we resume from the last RV.
            timeoutSeconds: this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
            fieldSelector: this.opts.fieldSelector,
            labelSelector: this.opts.labelSelector,
          },
          (ev) => this.onWatchEvent(ev),
          this.abort.signal,
        );
        backoff.reset();
        this.forbidden = false;
      } catch (err) {
        if (this.abort.signal.aborted) break;
        if (isGone(err)) {
          this.resumeFrom = this.listedOnce && this.handlers.onRelistFrom ? resumableFrom(err, this.resourceVersion) : undefined;
          logger.info('resourceVersion expired; relisting', { resource: name, resumeFrom: this.resumeFrom });
          this.resourceVersion = undefined;
          continue;
        }
        this.errors.inc({ ...labels, reason: err instanceof KubeApiError ? String(err.statusCode) : 'transport' });
        const backoffMs = backoff.next();
        const forbidden = err instanceof KubeApiError && err.statusCode === 403;
        if (forbidden && !this.forbidden) logger.warn('not allowed to list/watch this resource; it is skipped until RBAC allows it (retrying)', { resource: name, backoffMs, err });
        else if (!forbidden) logger.warn('list/watch failed; retrying', { resource: name, backoffMs, err });
        this.forbidden = forbidden;
        await sleep(backoffMs, this.abort.signal);
      }
    }
  }

  private onWatchEvent(ev: WatchEvent): void | Promise<void> {
    const labels = { component: this.opts.component, resource: this.opts.name };
    this.events.inc({ ...labels, type: ev.type });
    this.lastEvent.set(labels, Date.now() / 1000);
    if (ev.type === 'ERROR') {
      const status = ev.object as { code?: number; reason?: string; message?: string };
      throw new KubeApiError(this.opts.rest.cluster, 'WATCH', this.opts.path, status.code ?? 0, status.reason ?? '', status.message ?? 'watch error event');
    }
    const rv = (ev.object as KubeObject).metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (!rv) return;
      const done = this.handlers.onBookmark?.(rv);
      if (done) return done.then(() => void (this.resourceVersion = rv));
      this.resourceVersion = rv;
      return;
    }
    // Advance the resume point only once the handler accepted the event.
    const done = this.handlers.onEvent(ev.type, ev.object as KubeObject);
    if (done) {
      return done.then(() => {
        if (rv) this.resourceVersion = rv;
      });
    }
    if (rv) this.resourceVersion = rv;
  }
}
