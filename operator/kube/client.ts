/**
 * A small REST client over client-node's KubeConfig (which supplies TLS and credentials). The operator
 * needs raw control over content types (server-side apply, merge patches of /status), plain JSON objects
 * (client-node 1.x's typed API turns timestamps into Dates), and one place that counts every write.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Counter } from 'prom-client';

export class KubeApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly code: number,
    readonly reason: string,
    readonly details: string,
  ) {
    super(`${method} ${path}: ${code} ${reason}: ${details}`);
    this.name = 'KubeApiError';
  }
}

export const isNotFound = (err: unknown) => err instanceof KubeApiError && err.code === 404;
export const isConflict = (err: unknown) => err instanceof KubeApiError && err.code === 409;

export interface RequestOpts {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
}

export interface KubeClientOptions {
  userAgent?: string;
  /** Counts every non-GET request, labelled by verb (what the steady-state test and metrics read). */
  writes?: Counter;
  timeoutMs?: number;
}

export class KubeClient {
  readonly server: string;
  constructor(
    readonly kubeconfig: KubeConfig,
    private readonly opts: KubeClientOptions = {},
  ) {
    const cluster = kubeconfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
  }

  async request<T>(method: string, path: string, ro: RequestOpts = {}): Promise<T> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(ro.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const options: RequestOptions = { method, headers: { Accept: 'application/json', 'User-Agent': this.opts.userAgent ?? 'kelemetry-operator' } };
    await this.kubeconfig.applyToHTTPSOptions(options);
    const payload = ro.body === undefined ? undefined : typeof ro.body === 'string' ? ro.body : JSON.stringify(ro.body);
    if (payload !== undefined) {
      options.headers = { ...options.headers, 'Content-Type': ro.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(payload) };
    }
    if (method !== 'GET') this.opts.writes?.inc({ verb: method.toLowerCase() });
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve((text ? JSON.parse(text) : {}) as T);
            } catch (err) {
              reject(new Error(`${method} ${path}: unparseable response: ${(err as Error).message}`));
            }
            return;
          }
          let reason = res.statusMessage ?? '';
          let details = text.slice(0, 2000);
          try {
            const s = JSON.parse(text) as { reason?: string; message?: string };
            reason = s.reason ?? reason;
            details = s.message ?? details;
          } catch {
            // Not a Status object (e.g. a proxy's HTML error page): keep the raw text.
          }
          reject(new KubeApiError(method, path, status, reason, details));
        });
      });
      req.setTimeout(this.opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** GET that answers undefined for 404. */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  list<T>(path: string, labelSelector?: string): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }> {
    return this.request('GET', path, { query: { labelSelector } });
  }

  /** Server-side apply: the object's fields become owned by fieldManager; force takes them from others. */
  apply<T>(path: string, obj: unknown, fieldManager: string, force = true): Promise<T> {
    return this.request<T>('PATCH', path, { body: obj, contentType: 'application/apply-patch+yaml', query: { fieldManager, force } });
  }

  mergePatch<T>(path: string, patch: unknown, fieldManager?: string): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: 'application/merge-patch+json', query: { fieldManager } });
  }

  jsonPatch<T>(path: string, ops: unknown[], fieldManager?: string): Promise<T> {
    return this.request<T>('PATCH', path, { body: ops, contentType: 'application/json-patch+json', query: { fieldManager } });
  }

  create<T>(path: string, obj: unknown, fieldManager?: string): Promise<T> {
    return this.request<T>('POST', path, { body: obj, query: { fieldManager } });
  }

  replace<T>(path: string, obj: unknown, fieldManager?: string): Promise<T> {
    return this.request<T>('PUT', path, { body: obj, query: { fieldManager } });
  }

  delete(path: string, propagationPolicy: 'Background' | 'Foreground' | 'Orphan' = 'Background', preconditionUid?: string): Promise<unknown> {
    return this.request('DELETE', path, {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy, ...(preconditionUid ? { preconditions: { uid: preconditionUid } } : {}) },
    });
  }
}
