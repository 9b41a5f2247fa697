/**
 * The HTTP side of the audit webhook: metav1.Status answers, bounded body reads, the bearer token
 * check, and the HTTP or HTTPS (optionally mTLS) server.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { AuditWebhookConfig } from '../config/sections/audit.ts';

/** A refusal: the status code, the message of the Status body, and extra headers (Retry-After, Allow). */
export class HttpError extends Error {
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
export function statusBody(code: number, message: string): string {
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

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
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

function readConfigFile(file: string, field: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`audit.webhook.${field}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export function loadToken(file: string | undefined): Buffer | undefined {
  return file ? Buffer.from(readConfigFile(file, 'bearerTokenFile').toString('utf8').trim()) : undefined;
}

export function tokenMatches(expected: Buffer, header: string | undefined): boolean {
  const m = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
  if (!m) return false;
  const given = Buffer.from(m[1]!.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The TLS options of the webhook's HTTPS server, read from the files `tls` names. */
export function webhookTlsOptions(tls: NonNullable<AuditWebhookConfig['tls']>): SecureContextOptions & { requestCert?: boolean; rejectUnauthorized?: boolean } {
  return {
    cert: readConfigFile(tls.certFile, 'tls.certFile'),
    key: readConfigFile(tls.keyFile, 'tls.keyFile'),
    ...(tls.clientCaFile ? { ca: readConfigFile(tls.clientCaFile, 'tls.clientCaFile'), requestCert: true, rejectUnauthorized: true } : {}),
  };
}

/** HTTPS when `tls` is set (client certificates required when it names a client CA), else HTTP. */
export function createWebhookServer(tls: AuditWebhookConfig['tls'], listener: RequestListener): Server {
  const server = tls ? createHttpsServer(webhookTlsOptions(tls), listener) : createHttpServer(listener);
  // Bound slow clients: a request (headers and body) must arrive within a minute.
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;
  // Outlive the client's idle timeout (Go's transport, which the API server uses: 90 s) so the client, not
  // this server, closes idle connections. Node's default (5 s) races with a batch being sent on a connection
  // as it is closed; that POST fails with EOF and the API server does not retry it.
  server.keepAliveTimeout = 120_000;
  return server;
}
