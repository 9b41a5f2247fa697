/**
 * A ListWatch with a local cache (client-go's informer with one handler): get/list answer from memory,
 * and every change reaches the handler as add/update/delete with the previous object. A relist (after
 * the resourceVersion expired) is diffed against the cache, so the handler hears only real changes,
 * deletes missed meanwhile included.
 */
import { ListWatch, type ListWatchOptions } from './listWatch.ts';
import type { KubeObject } from './list.ts';

export type InformerEvent = 'add' | 'update' | 'delete';
export type InformerHandler<T> = (event: InformerEvent, obj: T, old?: T) => void;

export interface InformerChange<T> {
  event: InformerEvent;
  obj: T;
  old?: T;
}

/** `namespace/name` (`/name` for cluster-scoped objects). */
export function cacheKey(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** What replacing the cache's content with a full LIST changes; an object whose resourceVersion is unchanged is no change. */
export function relistChanges<T extends KubeObject>(cache: ReadonlyMap<string, T>, items: T[]): InformerChange<T>[] {
  const changes: InformerChange<T>[] = [];
  const seen = new Set<string>();
  for (const obj of items) {
    const key = cacheKey(obj);
    seen.add(key);
    const old = cache.get(key);
    if (!old) changes.push({ event: 'add', obj });
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) changes.push({ event: 'update', obj, old });
  }
  for (const [key, obj] of cache) if (!seen.has(key)) changes.push({ event: 'delete', obj });
  return changes;
}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly lw: ListWatch;
  private readonly syncWaiters = new Set<() => void>();
  private synced = false;

  constructor(
    opts: ListWatchOptions,
    private readonly handler: InformerHandler<T>,
  ) {
    this.lw = new ListWatch(opts, {
      onList: (items) => this.replace(items as T[]),
      onEvent: (type, obj) => this.apply(type === 'DELETED' ? 'delete' : 'upsert', obj as T),
    });
  }

  start(): void {
    this.lw.start();
  }

  stop(): Promise<void> {
    for (const wake of this.syncWaiters) wake();
    return this.lw.stop();
  }

  /** True once the first LIST is in the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced; false when the informer stops or `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.hasSynced() || signal?.aborted) return Promise.resolve(this.hasSynced());
    return new Promise((resolve) => {
      const wake = () => {
        this.syncWaiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve(this.hasSynced());
      };
      this.syncWaiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  list(filter?: (o: T) => boolean): T[] {
    const all = [...this.cache.values()];
    return filter ? all.filter(filter) : all;
  }

  private replace(items: T[]): void {
    const changes = relistChanges(this.cache, items);
    this.cache.clear();
    for (const obj of items) this.cache.set(cacheKey(obj), obj);
    for (const c of changes) this.handler(c.event, c.obj, c.old);
    this.synced = true;
    for (const wake of [...this.syncWaiters]) wake();
  }

  private apply(op: 'upsert' | 'delete', obj: T): void {
    const key = cacheKey(obj);
    const old = this.cache.get(key);
    if (op === 'delete') {
      this.cache.delete(key);
      this.handler('delete', obj);
      return;
    }
    this.cache.set(key, obj);
    this.handler(old ? 'update' : 'add', obj, old);
  }
}
