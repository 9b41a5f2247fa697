/**
 * A small JSON REST transport to one apiserver, on top of client-node's KubeConfig for credentials.
 * Why not the generated clients: we need raw JSON (diffs must see exactly what the apiserver sent),
 * paginated LIST of any resource, streaming WATCH with our own stop path, and one keep-alive agent per
 * cluster (client-node builds a fresh agent for every request).
 */
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';

export class KubeApiError extends Error {
  constructor(
    readonly cluster: string,
    readonly method: string,
    readonly path: string,
    readonly statusCode: number,
    /** The Status reason (`NotFound`, `Conflict`, `Expired`, `Gone`…), or "" when the body was not a Status. */
    readonly reason: string,
    detail: string,
  ) {
    super(`cluster ${cluster}: ${method} ${path}: HTTP ${statusCode}${reason ? ` ${reason}` : ''}: ${detail}`);
    this.name = 'KubeApiError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.statusCode === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.statusCode === 409;
}
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof KubeApiError && err.statusCode === 409 && err.reason === 'AlreadyExists';
}
/** The resourceVersion a list/watch resumed from is too old: relist. */
export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && (err.statusCode === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}

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

export class KubeRest {
  private agent: http.Agent | undefined;
  private readonly server: URL;

  constructor(
    readonly cluster: string,
    private readonly kc: KubeConfig,
    private readonly defaultTimeoutMs = 30_000,
  ) {
    const current = kc.getCurrentCluster();
    if (!current) throw new Error(`cluster ${cluster}: kubeconfig has no current cluster`);
    this.server = new URL(current.server);
  }

  /** Options for one request: fresh credentials (tokens may rotate) and a shared keep-alive agent. */
  private async requestOptions(): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {};
    try {
      // Throws for plain http without skipTLSVerify (client-node 1.x policy), with the reason in the message.
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
    const headers: Record<string, string> = { 'user-agent': 'kelemetry', accept: 'application/json' };
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
    const text = await readAll(res);
    let reason = '';
    let message = text.slice(0, 500);
    try {
      const status = JSON.parse(text) as { reason?: string; message?: string };
      reason = status.reason ?? '';
      message = status.message ?? message;
    } catch {
      // Not a Status body (e.g. a proxy error page): keep the raw text.
    }
    return new KubeApiError(this.cluster, method, path, res.statusCode ?? 0, reason, message);
  }

  /** One request; resolves with the decoded JSON body, rejects with KubeApiError for non-2xx answers. */
  async request<T = Record<string, unknown>>(req: RestRequest): Promise<T> {
    const method = req.method ?? 'GET';
    const res = await this.open({ ...req, timeoutMs: req.timeoutMs ?? this.defaultTimeoutMs }, this.url(req.path, req.query));
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw await this.errorFrom(method, req.path, res);
    const text = await readAll(res);
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch (err) {
      throw new Error(`cluster ${this.cluster}: ${method} ${req.path}: undecodable JSON answer: ${(err as Error).message}`, { cause: err });
    }
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
