/**
 * The JSON REST transport to one apiserver, on top of credentials (ours, or client-node's KubeConfig), and
 * the verbs every caller needs (get, paginated list, create, replace, server-side apply, patches,
 * delete). Why not the generated clients: we need raw JSON (diffs must see exactly what the apiserver
 * sent; client-node 1.x turns timestamps into Dates), our own content types (apply, patches), streaming
 * WATCH with our own stop path, and one keep-alive agent per cluster (client-node builds one per request).
 */
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Counter } from 'prom-client';
import type { KubeCredentials } from './credentials.ts';
import { apiErrorFromBody, isNotFound, type KubeApiError } from './errors.ts';
import { listAll, type KubeObject, type ListOptions, type ListResult } from './list.ts';


export type Query = Record<string, string | number | boolean | undefined>;

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

export interface RestRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface KubeRestOptions {
  /** Per request unless the request says otherwise (default 30 s). */
  timeoutMs?: number;
  /** Shown in the apiserver's audit log (default `kelemetry`). */
  userAgent?: string;
  /** Counts every request that is not a GET, by lower-case verb. */
  writes?: Counter<'verb'>;
}

export type PatchType = 'merge' | 'strategic' | 'json';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  /** Delete only the object with this uid (not a re-created namesake). */
  preconditionUid?: string;
}

export class KubeRest {
  private agent: http.Agent | undefined;
  private readonly server: URL;

  constructor(
    readonly cluster: string,
    private readonly kc: KubeCredentials | KubeConfig,
    private readonly opts: KubeRestOptions = {},
  ) {
    const server = 'getCurrentCluster' in kc ? kc.getCurrentCluster()?.server : kc.server;
    if (!server) throw new Error(`cluster ${cluster}: kubeconfig has no current cluster`);
    this.server = new URL(server);
  }

  /** Options for one request: fresh credentials (tokens may rotate) and a shared keep-alive agent. */
  private async requestOptions(): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {};
    try {
      // client-node's throws for plain http without skipTLSVerify (its 1.x policy), with the reason in the message.
      await this.kc.applyToHTTPSOptions(opts);
    } catch (err) {
      throw new Error(`cluster ${this.cluster}: cannot build client credentials: ${(err as Error).message}`, { cause: err });
    }
    // No socket cap: every WATCH holds one connection for minutes (HTTP/1.1), and a cap would starve requests.
    if (!this.agent) {
      const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
      this.agent =
        this.server.protocol === 'http:'
          ? new http.Agent({ keepAlive: true, maxFreeSockets: 16 })
          : new https.Agent({ keepAlive: true, maxFreeSockets: 16, ...tls });
    }
    const headers: Record<string, string> = { 'user-agent': this.opts.userAgent ?? 'kelemetry', accept: 'application/json' };
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v;
    if (opts.auth) headers.authorization = 'Basic ' + Buffer.from(opts.auth).toString('base64');
    return { agent: this.agent, headers };
  }

  private url(path: string, query?: Query): URL {
    const base = this.server.pathname.replace(/\/$/, '');
    const url = new URL(this.server.origin + base + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private async open(req: RestRequest, url: URL): Promise<http.IncomingMessage> {
    const opts = await this.requestOptions();
    const method = req.method ?? 'GET';
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers = { ...(opts.headers as Record<string, string>) };
    if (body) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(body.length);
    }
    const lib = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const r = lib.request(url, { method, headers, agent: opts.agent, signal: req.signal }, resolve);
      r.on('error', (err) => reject(new Error(`cluster ${this.cluster}: ${method} ${url.pathname}: ${err.message}`, { cause: err })));
      if (req.timeoutMs) r.setTimeout(req.timeoutMs, () => r.destroy(new Error(`timed out after ${req.timeoutMs} ms`)));
      r.end(body);
    });
  }

  private async errorFrom(method: string, path: string, res: http.IncomingMessage): Promise<KubeApiError> {
    return apiErrorFromBody(this.cluster, method, path, res.statusCode ?? 0, await readAll(res));
  }

  /** One request; resolves with the decoded JSON body, rejects with KubeApiError for non-2xx answers. */
  async request<T = Record<string, unknown>>(req: RestRequest): Promise<T> {
    const method = req.method ?? 'GET';
    if (method !== 'GET') this.opts.writes?.inc({ verb: method.toLowerCase() });
    const res = await this.open({ ...req, timeoutMs: req.timeoutMs ?? this.opts.timeoutMs ?? 30_000 }, this.url(req.path, req.query));
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw await this.errorFrom(method, req.path, res);
    const text = await readAll(res);
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch (err) {
      throw new Error(`cluster ${this.cluster}: ${method} ${req.path}: undecodable JSON answer: ${(err as Error).message}`, { cause: err });
    }
  }

  get<T = Record<string, unknown>>(path: string, query?: Query): Promise<T> {
    return this.request<T>({ path, query });
  }

  /** GET that answers undefined for 404. */
  async find<T = Record<string, unknown>>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Paginated LIST of a collection path (see list.ts). */
  list<T = KubeObject>(path: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    return listAll<T>(this, path, opts);
  }

  create<T = Record<string, unknown>>(path: string, obj: unknown, fieldManager?: string): Promise<T> {
    return this.request<T>({ method: 'POST', path, body: obj, query: { fieldManager } });
  }

  replace<T = Record<string, unknown>>(path: string, obj: unknown, fieldManager?: string): Promise<T> {
    return this.request<T>({ method: 'PUT', path, body: obj, query: { fieldManager } });
  }

  /** Server-side apply: the fields in `obj` become owned by `fieldManager`; `force` takes them over from other managers. */
  apply<T = Record<string, unknown>>(path: string, obj: unknown, fieldManager: string, force = true): Promise<T> {
    // JSON is YAML, so the apply content type takes the JSON body as it is.
    return this.request<T>({ method: 'PATCH', path, body: obj, contentType: 'application/apply-patch+yaml', query: { fieldManager, force } });
  }

  patch<T = Record<string, unknown>>(path: string, patch: unknown, type: PatchType, fieldManager?: string): Promise<T> {
    return this.request<T>({ method: 'PATCH', path, body: patch, contentType: PATCH_CONTENT_TYPES[type], query: { fieldManager } });
  }

  delete(path: string, opts: DeleteOptions = {}): Promise<unknown> {
    const { propagationPolicy = 'Background', preconditionUid } = opts;
    const body = { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy, ...(preconditionUid ? { preconditions: { uid: preconditionUid } } : {}) };
    return this.request({ method: 'DELETE', path, body });
  }

  /**
   * Streams a WATCH. `onEvent` receives each decoded event (a returned promise is awaited before reading on); the promise resolves when the server closes
   * the stream (timeoutSeconds elapsed) or the signal aborts, and rejects on HTTP or stream errors.
   */
  async watch(path: string, query: Query, onEvent: (ev: WatchEvent, bytes: number) => void | Promise<void>, signal: AbortSignal): Promise<void> {
    const url = this.url(path, { ...query, watch: true });
    let res: http.IncomingMessage;
    try {
      res = await this.open({ path, signal }, url);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    const code = res.statusCode ?? 0;
    if (code !== 200) throw await this.errorFrom('WATCH', path, res);
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line) continue;
        let ev: WatchEvent;
        try {
          ev = JSON.parse(line) as WatchEvent;
        } catch (err) {
          throw new Error(`cluster ${this.cluster}: WATCH ${path}: undecodable event: ${(err as Error).message}`, { cause: err });
        }
        // Awaiting a slow consumer pauses reading, so the apiserver's stream applies backpressure.
        const pending = onEvent(ev, line.length);
        if (pending) await pending;
      }
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    } finally {
      res.destroy();
    }
  }

  close(): void {
    this.agent?.destroy();
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}
