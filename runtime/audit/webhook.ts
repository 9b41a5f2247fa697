/**
 * The audit webhook (spec 5.1): `POST /audit` and `POST /audit/<cluster>` taking an `audit.k8s.io/v1`
 * EventList, over HTTP or HTTPS (optionally requiring client certificates), optionally checking a bearer
 * token. Every answer says what happened — the original always answered 200 (spec Appendix A.15):
 *
 *   200 accepted · 400 not an EventList / unattributable source · 401 bad token · 404 unknown cluster or
 *   path · 405 not POST · 413 body (or batch) over the limit · 429 queue full (Retry-After; the apiserver retries) ·
 *   503 shutting down.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { AuditWebhookConfig } from '../config/sections/audit.ts';
import { counter, histogram } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';
import { normalizeAddress, type ClusterResolver } from './clusterResolver.ts';
import { forwardHeader, forwardHeaderValue, type AuditForwarder } from './forward.ts';
import { BadAuditBody, parseEventList } from './parse.ts';
import type { EventList } from './types.ts';

/** What the consumer side says about an accepted body. */
export type AcceptResult =
  | { status: 'accepted'; queued: number; filtered: number }
  | { status: 'full' }
  | { status: 'closed' }
  /** The batch alone exceeds the queue: it can never fit, so retrying would not help. */
  | { status: 'tooLarge'; events: number; capacity: number };

export interface WebhookOptions {
  config: AuditWebhookConfig;
  resolver: ClusterResolver;
  /** Admits a parsed batch whole or not at all. */
  accept(cluster: string, sourceAddr: string, list: EventList, receivedAtMs: number): AcceptResult;
  forwarder?: AuditForwarder;
  registry: Registry;
  logger: Logger;
  /** Overrides `config.listen` (tests bind 127.0.0.1:0). */
  listen?: { host: string; port: number };
}

export interface RunningWebhook {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const reasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  413: 'RequestEntityTooLarge',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** A metav1.Status body, which is what the apiserver's webhook client logs on failure. */
function statusBody(code: number, message: string): string {
  const ok = code < 300;
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: ok ? 'Success' : 'Failure',
    message,
    ...(ok ? {} : { reason: reasons[code] ?? 'Unknown' }),
    code,
  });
}

export function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  return { host: host || '0.0.0.0', port: Number(listen.slice(i + 1)) };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `body of ${declared} bytes exceeds the limit of ${limit} bytes (audit.webhook.maxBodyBytes)`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        reject(new HttpError(413, `body exceeds the limit of ${limit} bytes (audit.webhook.maxBodyBytes)`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!done) reject(err);
      done = true;
    });
  });
}

function loadToken(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return Buffer.from(readFileSync(file, 'utf8').trim());
  } catch (err) {
    throw new Error(`audit.webhook.bearerTokenFile: cannot read ${file}: ${(err as Error).message}`);
  }
}

function tokenMatches(expected: Buffer, header: string | undefined): boolean {
  const m = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
  if (!m) return false;
  const given = Buffer.from(m[1]!.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startWebhook(opts: WebhookOptions): Promise<RunningWebhook> {
  const { config, logger } = opts;
  const token = loadToken(config.bearerTokenFile);
  const requests = histogram(opts.registry, 'audit_webhook_request', 'Audit webhook requests by cluster and status code (seconds)', ['cluster', 'code']);
  const events = counter(opts.registry, 'audit_webhook_events_total', 'Audit events received, by what happened to them', ['cluster', 'result']);
  let stopping = false;

  async function handle(req: IncomingMessage, res: ServerResponse, setCluster: (c: string) => void): Promise<void> {
    const receivedAtMs = Date.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const m = /^\/audit(?:\/([^/]*))?\/?$/.exec(path);
    if (!m) throw new HttpError(404, `no such path ${path}: POST audit EventLists to /audit/<cluster>`);
    if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed: use POST`, { Allow: 'POST' });
    if (token && !tokenMatches(token, req.headers.authorization)) throw new HttpError(401, 'missing or wrong bearer token');
    if (stopping) throw new HttpError(503, 'shutting down', { 'Retry-After': '1' });

    let sourceAddr = normalizeAddress(req.socket.remoteAddress ?? '');
    const forwardedFor = req.headers['x-forwarded-for'];
    if (config.trustForwardedFor && req.headers[forwardHeader] === forwardHeaderValue && typeof forwardedFor === 'string') {
      sourceAddr = normalizeAddress(forwardedFor.split(',')[0]!.trim());
    }
    let pathCluster: string | undefined;
    try {
      pathCluster = m[1] ? decodeURIComponent(m[1]) : undefined;
    } catch {
      throw new HttpError(400, `cluster segment of ${path} is not valid percent-encoding`);
    }
    const resolved = opts.resolver.resolve(pathCluster, sourceAddr);
    if ('status' in resolved) throw new HttpError(resolved.status, resolved.message);
    const cluster = resolved.cluster;
    setCluster(cluster);

    const body = await readBody(req, config.maxBodyBytes);
    let list: EventList;
    try {
      list = parseEventList(body);
    } catch (err) {
      if (err instanceof BadAuditBody) throw new HttpError(400, err.message);
      throw err;
    }
    const result = opts.accept(cluster, sourceAddr, list, receivedAtMs);
    if (result.status === 'full') {
      events.inc({ cluster, result: 'refused' }, list.items.length);
      throw new HttpError(429, 'audit queue is full, retry later', { 'Retry-After': '1' });
    }
    if (result.status === 'closed') throw new HttpError(503, 'shutting down', { 'Retry-After': '1' });
    if (result.status === 'tooLarge') {
      events.inc({ cluster, result: 'refused' }, list.items.length);
      throw new HttpError(413, `batch of ${result.events} events exceeds the audit queue capacity of ${result.capacity} (audit.queue.capacity)`);
    }
    events.inc({ cluster, result: 'queued' }, result.queued);
    events.inc({ cluster, result: 'filtered' }, result.filtered);
    opts.forwarder?.forward(cluster, sourceAddr, body);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(statusBody(200, `accepted ${list.items.length} events (${result.queued} queued)`));
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    let cluster = 'unknown';
    const end = requests.startTimer();
    handle(req, res, (c) => (cluster = c)).then(
      () => end({ cluster, code: String(res.statusCode) }),
      (err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        if (status === 500) logger.error('audit webhook request failed', { cluster, err: err });
        else if (status !== 429) logger.warn('audit webhook refused a request', { cluster, status, reason: (err as Error).message, peer: req.socket.remoteAddress });
        if (!res.headersSent) {
          // On 413 the rest of the body is not read; closing the connection discards it.
          const extra = err instanceof HttpError ? err.headers : {};
          res.writeHead(status, { 'Content-Type': 'application/json', ...extra, ...(status === 413 ? { Connection: 'close' } : {}) });
          res.end(statusBody(status, (err as Error).message));
          if (status === 413) req.resume();
        }
        end({ cluster, code: String(status) });
      },
    );
  };

  let server: Server;
  if (config.tls) {
    const read = (f: string, field: string) => {
      try {
        return readFileSync(f);
      } catch (err) {
        throw new Error(`audit.webhook.tls.${field}: cannot read ${f}: ${(err as Error).message}`);
      }
    };
    server = createHttpsServer(
      {
        cert: read(config.tls.certFile, 'certFile'),
        key: read(config.tls.keyFile, 'keyFile'),
        ...(config.tls.clientCaFile ? { ca: read(config.tls.clientCaFile, 'clientCaFile'), requestCert: true, rejectUnauthorized: true } : {}),
      },
      listener,
    );
  } else {
    server = createHttpServer(listener);
  }
  // Bound slow clients: a request (headers and body) must arrive within a minute.
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;

  const { host, port } = opts.listen ?? splitHostPort(config.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`audit webhook cannot listen on ${host}:${port}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const scheme = config.tls ? 'https' : 'http';
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  logger.info('audit webhook listening', { url: `${scheme}://${urlHost}:${bound}/audit/<cluster>`, tls: !!config.tls, mtls: !!config.tls?.clientCaFile, bearerToken: !!token });

  return {
    url: `${scheme}://${urlHost}:${bound}`,
    port: bound,
    stop: async () => {
      stopping = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(timer);
      await opts.forwarder?.stop();
    },
  };
}
