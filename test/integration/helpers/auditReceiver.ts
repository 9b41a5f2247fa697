/**
 * A plain HTTP receiver for the apiserver's audit webhook, bound where the environment's apiserver
 * sends (http://127.0.0.1:<auditReceiverPort>/audit/<cluster>). Collects every EventList it gets.
 */
import { createServer, type Server } from 'node:http';

export interface AuditEvent {
  auditID: string;
  level: string;
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; subresource?: string };
  responseStatus?: { code?: number };
  requestObject?: Record<string, unknown>;
  responseObject?: Record<string, unknown>;
}

export interface AuditReceiver {
  batches: { path: string; kind: string; apiVersion: string; items: AuditEvent[] }[];
  events(): AuditEvent[];
  close(): Promise<void>;
}

export async function startAuditReceiver(port: number): Promise<AuditReceiver> {
  const batches: AuditReceiver['batches'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const list = JSON.parse(body) as { kind: string; apiVersion: string; items: AuditEvent[] };
      batches.push({ path: new URL(req.url ?? '/', 'http://receiver').pathname, ...list });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    batches,
    events: () => batches.flatMap((b) => b.items),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
