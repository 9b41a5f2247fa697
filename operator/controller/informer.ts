/**
 * A list-then-watch cache of one resource, written for client-node 1.4 whose own informer stops on any
 * non-410 error and can hang on a dead stream: this one relists on 410, restarts after errors with
 * backoff, and asks the server to end each watch after `watchTimeoutSeconds` so a silently dead TCP
 * stream is replaced within that time. Events go to one handler; the cache answers get/list.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Counter } from 'prom-client';
import type { Logger } from '../../runtime/util/log.ts';

export type InformerEvent = 'add' | 'update' | 'delete';
export type Handler<T> = (event: InformerEvent, obj: T, old?: T) => void;

export interface InformerOptions<T> {
  kubeconfig: KubeConfig;
  /** Collection path, e.g. /apis/apps/v1/deployments or /apis/apps/v1/namespaces/x/deployments. */
  path: string;
  /** Lists the collection (the same path, with the same selector). */
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  labelSelector?: string;
  handler: Handler<T>;
  logger: Logger;
  watchTimeoutSeconds?: number;
  metrics?: { lists?: Counter; watches?: Counter; failures?: Counter };
}

/** What the informer needs of an object. */
export interface MetaObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

const keyOf = (o: MetaObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class Informer<T extends MetaObject> {
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private abort: AbortController | undefined;
  private stopped = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private syncedResolve!: () => void;
  /** Resolves after the first successful list. */
  readonly synced = new Promise<void>((resolve) => (this.syncedResolve = resolve));

  constructor(private readonly opts: InformerOptions<T>) {}

  start(): void {
    this.stopped = false;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.abort?.abort();
    this.abort = undefined;
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  list(filter?: (o: T) => boolean): T[] {
    const all = [...this.cache.values()];
    return filter ? all.filter(filter) : all;
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.resourceVersion) await this.relist();
      await this.watch();
    } catch (err) {
      this.scheduleRestart(err);
    }
  }

  private async relist(): Promise<void> {
    this.opts.metrics?.lists?.inc();
    const list = await this.opts.list();
    const seen = new Set<string>();
    for (const obj of list.items) {
      const key = keyOf(obj);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) this.opts.handler('add', obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.opts.handler('update', obj, old);
    }
    for (const [key, obj] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.opts.handler('delete', obj);
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.syncedResolve();
  }

  private async watch(): Promise<void> {
    this.opts.metrics?.watches?.inc();
    const query: Record<string, string | number | boolean> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: this.opts.watchTimeoutSeconds ?? 300,
    };
    if (this.opts.labelSelector) query.labelSelector = this.opts.labelSelector;
    const watch = new Watch(this.opts.kubeconfig);
    this.abort = await watch.watch(
      this.opts.path,
      query,
      (type: string, obj: T) => this.onEvent(type, obj),
      (err: unknown) => this.onDone(err),
    );
  }

  private onEvent(type: string, obj: T): void {
    const rv = obj.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    if (type === 'ERROR') {
      // The server reports an expired resourceVersion (410 Gone) as an ERROR event: relist.
      const status = obj as unknown as { code?: number; message?: string };
      this.opts.logger.info('watch error event, relisting', { path: this.opts.path, code: status.code, message: status.message });
      this.resourceVersion = '';
      return;
    }
    const key = keyOf(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      this.cache.delete(key);
      this.opts.handler('delete', obj);
    } else {
      this.cache.set(key, obj);
      this.opts.handler(old ? 'update' : 'add', obj, old);
    }
    if (rv) this.resourceVersion = rv;
    this.failures = 0;
  }

  private onDone(err: unknown): void {
    if (this.stopped) return;
    const code = (err as { code?: number; statusCode?: number } | null)?.code ?? (err as { statusCode?: number } | null)?.statusCode;
    if (code === 410) this.resourceVersion = '';
    if (err && code !== 410 && (err as Error).name !== 'AbortError') {
      this.scheduleRestart(err);
      return;
    }
    // A server-side timeout (normal) or 410: watch again, relisting only when the version expired.
    void this.run();
  }

  private scheduleRestart(err: unknown): void {
    if (this.stopped) return;
    this.opts.metrics?.failures?.inc();
    this.failures++;
    const delay = Math.min(500 * 2 ** Math.min(this.failures - 1, 6), 30_000);
    this.opts.logger.warn('list/watch failed; restarting', { path: this.opts.path, delayMs: delay, err: err instanceof Error ? err.message : String(err) });
    // After an error the stream position is unknown: relist so deletes missed meanwhile are seen.
    this.resourceVersion = '';
    this.restartTimer = setTimeout(() => void this.run(), delay);
    this.restartTimer.unref();
  }
}
