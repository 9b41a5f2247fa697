/** `/metrics` (Prometheus), `/healthz` (process alive) and `/readyz` (every component ready) on one port. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../util/log.ts';

/** What /readyz asks of each running component. */
export interface ReadinessSource {
  name: string;
  ready?(): boolean;
}

/** Decides whether a request may read /metrics: 200 to serve it, else the status to answer (401, 403, 500). */
export type MetricsGuard = (req: IncomingMessage) => Promise<number>;

export interface RunningMetricsServer {
  url: string;
  stop(): Promise<void>;
}

export async function startMetricsServer(
  listen: { host: string; port: number },
  registry: Registry,
  components: () => ReadinessSource[],
  logger: Logger,
  /** More series appended to /metrics (the original's names, when configured). */
  extra?: () => Promise<string>,
  /** Who may read /metrics (/healthz and /readyz stay open for the kubelet's probes); anyone when unset. */
  guard?: MetricsGuard,
): Promise<RunningMetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET' }).end();
      return;
    }
    if (path === '/metrics') {
      (guard?.(req) ?? Promise.resolve(200))
        .then(async (code) => {
          if (code !== 200) return { code, text: `${code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : 'authorization failed'}\n` };
          const [ours, more] = await Promise.all([registry.metrics(), extra?.() ?? '']);
          return { code, text: ours + more };
        })
        .then(
          ({ code, text }) =>
            res.writeHead(code, { 'Content-Type': code === 200 ? registry.contentType : 'text/plain', ...(code === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}) }).end(text),
          (err: unknown) => {
            logger.error('collecting metrics failed', { err });
            res.writeHead(500).end(`collecting metrics failed: ${(err as Error).message}\n`);
          },
        );
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const notReady = components()
        .filter((c) => c.ready && !c.ready())
        .map((c) => c.name);
      res.writeHead(notReady.length ? 503 : 200, { 'Content-Type': 'text/plain' }).end(notReady.length ? `not ready: ${notReady.join(', ')}\n` : 'ok\n');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('try /metrics, /healthz or /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`metrics server cannot listen on ${listen.host}:${listen.port}: ${err.message}`)));
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return {
    url: `http://${host}:${port}`,
    stop: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}
