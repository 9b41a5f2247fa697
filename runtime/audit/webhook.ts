/**
 * The audit webhook (spec 5.1): `POST /audit` and `POST /audit/<cluster>` taking an `audit.k8s.io/v1`
 * EventList, over HTTP or HTTPS (optionally requiring client certificates), optionally checking a bearer
 * token. Every answer says what happened — the original always answered 200 (spec Appendix A.15):
 *
 *   200 accepted · 400 not an EventList / unattributable source · 401 bad token · 404 unknown cluster or
 *   path · 405 not POST · 413 body (or batch) over the limit · 429 queue full (Retry-After; the apiserver retries) ·
 *   503 shutting down, or the durable queue's Redis did not store the batch (Retry-After).
 *
 * An accepted batch flows one way from here: its events into the queue (admit.ts), each received event to
 * the observer (kelemetrix), and the body to the forwarder.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Histogram, Counter, Registry } from 'prom-client';
import type { AuditWebhookConfig } from '../config/sections/audit.ts';
import { counter, histogram } from '../metrics/define.ts';
import { parseHostPort, type HostPort } from '../util/hostPort.ts';
import type { Logger } from '../util/log.ts';
import { admit } from './admit.ts';
import { CertReloader } from './certReload.ts';
import { normalizeAddress, type ClusterResolver } from './clusterResolver.ts';
import type { AuditFilter } from './filter.ts';
import { forwardHeader, forwardHeaderValue, type AuditForwarder } from './forward.ts';
import { createWebhookServer, HttpError, loadToken, readBody, statusBody, tokenMatches } from './http.ts';
import { BadAuditBody, parseEventList } from './parse.ts';
import type { AuditQueue } from './queue/types.ts';
import type { AuditMessage, EventList, ReceivedAuditEvent } from './types.ts';

export interface AuditWebhookDeps {
  resolver: ClusterResolver;
  /** Its envelope part drops events before they are queued. */
  filter: AuditFilter;
  /** Absent when the consumer is disabled: batches are accepted, nothing is queued. */
  queue?: AuditQueue<AuditMessage>;
  /** Sees every event of every accepted batch, before filtering; not refused ones, which the apiserver resends. */
  observe?: (received: ReceivedAuditEvent) => void;
  forwarder?: AuditForwarder;
  registry: Registry;
  logger: Logger;
}

/** How often the certificate files are checked for a re-issued certificate. */
const CERT_CHECK_MS = 30_000;

/** The route a request asked for: `/audit` or `/audit/<cluster>`. */
const auditPath = /^\/audit(?:\/([^/]*))?\/?$/;

export class AuditWebhook {
  private readonly config: AuditWebhookConfig;
  private readonly deps: AuditWebhookDeps;
  private readonly listen: HostPort;
  private readonly token: Buffer | undefined;
  private readonly requests: Histogram<'cluster' | 'code'>;
  private readonly events: Counter<'cluster' | 'result'>;
  private readonly rejected: Counter<'reason'>;
  private readonly server: Server;
  private stopping = false;
  /** Set on termination: every response closes its connection, so the client reconnects through the Service. */
  private closeConnections = false;
  /** Picks up a re-issued serving certificate (HTTPS only). */
  private readonly certs: CertReloader | undefined;
  /** Base URL once listening, e.g. http://127.0.0.1:8080 */
  url = '';
  port = 0;

  constructor(config: AuditWebhookConfig, deps: AuditWebhookDeps) {
    this.config = config;
    this.deps = deps;
    this.listen = parseHostPort(config.listen, 'audit.webhook.listen');
    this.token = loadToken(config.bearerTokenFile);
    this.requests = histogram(deps.registry, 'audit_webhook_request', 'Audit webhook requests by cluster and status code (seconds)', ['cluster', 'code']);
    this.events = counter(deps.registry, 'audit_webhook_events_total', 'Audit events received, by what happened to them', ['cluster', 'result']);
    this.rejected = counter(deps.registry, 'audit_webhook_rejected_total', 'Audit webhook requests refused as unauthenticated (missing or wrong bearer token)', ['reason']);
    this.server = createWebhookServer(config.tls, (req, res) => this.serve(req, res));
    this.certs = config.tls ? new CertReloader(this.server, config.tls, deps) : undefined;
  }

  async start(): Promise<void> {
    const { host, port } = this.listen;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (err) => reject(new Error(`audit webhook cannot listen on ${host}:${port}: ${err.message}`, { cause: err })));
      this.server.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.certs?.start(CERT_CHECK_MS);
    const scheme = this.config.tls ? 'https' : 'http';
    const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    this.url = `${scheme}://${urlHost}:${this.port}`;
    const tls = this.config.tls;
    this.deps.logger.info('audit webhook listening', { url: `${this.url}/audit/<cluster>`, tls: !!tls, mtls: !!tls?.clientCaFile, bearerToken: !!this.token });
  }

  /**
   * Keeps accepting, but ends each connection after its response: a client holding a keep-alive connection
   * would otherwise keep sending to this pod after it left the endpoints. Idle connections are left open on
   * purpose: closing one races with a request the API server may be writing on it, and a POST that meets a
   * closed connection fails with EOF, which the API server's webhook does not retry (that batch is lost).
   */
  terminating(): void {
    this.closeConnections = true;
  }

  /** Refuses new requests (503), finishes the ones in flight, and closes idle and (after 5 s) busy connections. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.certs?.stop();
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), 5_000);
    await closed;
    clearTimeout(timer);
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    if (this.closeConnections) res.shouldKeepAlive = false;
    const request = { cluster: 'unknown' };
    const end = this.requests.startTimer();
    this.handle(req, res, request).then(
      () => end({ cluster: request.cluster, code: String(res.statusCode) }),
      (err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const { cluster } = request;
        if (status === 500) this.deps.logger.error('audit webhook request failed', { cluster, err });
        else if (status !== 429) this.deps.logger.warn('audit webhook refused a request', { cluster, status, reason: (err as Error).message, peer: req.socket.remoteAddress });
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
  }

  /** `request.cluster` is set as soon as it is known, for the request metric and logs. */
  private async handle(req: IncomingMessage, res: ServerResponse, request: { cluster: string }): Promise<void> {
    const receivedAtMs = Date.now();
    const { sourceAddr, cluster } = this.route(req);
    request.cluster = cluster;
    const body = await readBody(req, this.config.maxBodyBytes);
    const list = parseBody(body);
    const batch = list.items.map((event): ReceivedAuditEvent => ({ cluster, sourceAddr, event, receivedAtMs }));
    const result = await admit(batch, this.deps.filter, this.deps.queue, body.length);
    if (result.status === 'full') {
      this.events.inc({ cluster, result: 'refused' }, batch.length);
      throw new HttpError(429, 'audit queue is full, retry later', { 'Retry-After': '1' });
    }
    if (result.status === 'closed') throw new HttpError(503, 'shutting down', { 'Retry-After': '1' });
    if (result.status === 'unavailable') {
      // Logged with its cause by the queue; counted there (audit_queue_unavailable_total) and here per cluster.
      this.events.inc({ cluster, result: 'refused' }, batch.length);
      throw new HttpError(503, `audit queue store unavailable, retry later: ${result.reason}`, { 'Retry-After': '1' });
    }
    if (result.status === 'tooLarge') {
      this.events.inc({ cluster, result: 'refused' }, batch.length);
      throw new HttpError(413, `batch of ${result.events} events exceeds the audit queue capacity of ${result.capacity} (audit.queue.capacity)`);
    }
    if (this.deps.observe) for (const received of batch) this.deps.observe(received);
    this.events.inc({ cluster, result: 'queued' }, result.queued);
    this.events.inc({ cluster, result: 'filtered' }, result.filtered);
    this.deps.forwarder?.forward(cluster, sourceAddr, body);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(statusBody(200, `accepted ${batch.length} events (${result.queued} queued)`));
  }

  /** Checks path, method, token and state, and attributes the request to a cluster; throws the refusal. */
  private route(req: IncomingMessage): { sourceAddr: string; cluster: string } {
    const path = (req.url ?? '/').split('?')[0]!;
    const m = auditPath.exec(path);
    if (!m) throw new HttpError(404, `no such path ${path}: POST audit EventLists to /audit/<cluster>`);
    if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed: use POST`, { Allow: 'POST' });
    if (this.token && !tokenMatches(this.token, req.headers.authorization)) {
      this.rejected.inc({ reason: 'unauthenticated' });
      throw new HttpError(401, 'missing or wrong bearer token');
    }
    if (this.stopping) throw new HttpError(503, 'shutting down', { 'Retry-After': '1' });

    let sourceAddr = normalizeAddress(req.socket.remoteAddress ?? '');
    const forwardedFor = req.headers['x-forwarded-for'];
    if (this.config.trustForwardedFor && req.headers[forwardHeader] === forwardHeaderValue && typeof forwardedFor === 'string') {
      sourceAddr = normalizeAddress(forwardedFor.split(',')[0]!.trim());
    }
    let pathCluster: string | undefined;
    try {
      pathCluster = m[1] ? decodeURIComponent(m[1]) : undefined;
    } catch {
      throw new HttpError(400, `cluster segment of ${path} is not valid percent-encoding`);
    }
    const resolved = this.deps.resolver.resolve(pathCluster, sourceAddr);
    if ('status' in resolved) throw new HttpError(resolved.status, resolved.message);
    return { sourceAddr, cluster: resolved.cluster };
  }
}

function parseBody(body: Buffer): EventList {
  try {
    return parseEventList(body);
  } catch (err) {
    if (err instanceof BadAuditBody) throw new HttpError(400, err.message);
    throw err;
  }
}
