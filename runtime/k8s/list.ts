/**
 * Paginated LIST, as client-go's pager does it: pages of `pageSize` joined by `continue` tokens into one
 * consistent snapshot, and one unpaginated LIST when a continue token expired (410) mid-way, since the
 * pages already read belong to a snapshot the server no longer serves.
 */
import { isGone } from './errors.ts';
import type { Query, RestRequest } from './rest.ts';

export type KubeObject = Record<string, unknown> & {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string; [k: string]: unknown };
};

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per page (default 500). */
  pageSize?: number;
  signal?: AbortSignal;
  /** Per page (default 120 s: a large page of a busy resource takes a while). */
  timeoutMs?: number;
}

export interface ListResult<T> {
  items: T[];
  /** The snapshot's resourceVersion: watch from here to see every later change. */
  resourceVersion: string;
}

export interface ListPage {
  apiVersion?: string;
  kind?: string;
  items?: KubeObject[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** What listAll needs of a transport (KubeRest, or a fake in tests). */
export interface PageSource {
  request<T>(req: RestRequest): Promise<T>;
}

/**
 * LIST items carry no apiVersion/kind (watch events do): restore them from the list, or the first
 * watch event of every object would look like a change of `kind` from null.
 */
function itemsOf<T = KubeObject>(page: ListPage): T[] {
  const kind = page.kind?.replace(/List$/, '');
  return (page.items ?? []).map((it) => ({ apiVersion: page.apiVersion, kind, ...it }) as unknown as T);
}

export async function listAll<T = KubeObject>(rest: PageSource, path: string, opts: ListOptions = {}): Promise<ListResult<T>> {
  const selectors: Query = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
  const fetch = (query: Query) => rest.request<ListPage>({ path, query: { ...selectors, ...query }, signal: opts.signal, timeoutMs: opts.timeoutMs ?? 120_000 });
  const items: T[] = [];
  let resourceVersion = '';
  let cont: string | undefined;
  do {
    let page: ListPage;
    try {
      page = await fetch({ limit: opts.pageSize ?? 500, continue: cont });
    } catch (err) {
      if (!cont || !isGone(err)) throw err;
      // The snapshot expired between pages: read the whole collection at once instead.
      page = await fetch({});
      return { items: itemsOf<T>(page), resourceVersion: page.metadata?.resourceVersion ?? '' };
    }
    items.push(...itemsOf<T>(page));
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return { items, resourceVersion };
}
