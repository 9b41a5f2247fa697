/**
 * The plugin's HTTP server: `/redirect`, `/extensions/api/v1/trace`, the trace pages under `/ui/` (`/` leads
 * there), and `/healthz` for probes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parseHostPort } from '../../runtime/util/hostPort.ts';
import type { Logger } from '../../runtime/util/log.ts';
import { handleExtensionTrace } from './extensionTrace.ts';
import { handleRedirect } from './redirect.ts';
import { handleUi, type UiOptions } from './ui.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, opts: UiOptions) => Promise<void>;

const handlers = new Map<string, Handler>([
  ['/redirect', handleRedirect],
  ['/extensions/api/v1/trace', handleExtensionTrace],
]);

function handlerFor(method: string | undefined, path: string): Handler | undefined {
  if (method !== 'GET') return undefined;
  return handlers.get(path) ?? (path === '/ui' || path.startsWith('/ui/') ? handleUi : undefined);
}

export function createHttpServer(opts: UiOptions & { logger: Logger }): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = handlerFor(req.method, path);
    if (handler) {
      handler(req, res, opts).catch((err: unknown) => {
        opts.logger.error('plugin HTTP request failed', { url: req.url, err });
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`internal error: ${(err as Error).message}\n`);
      });
      return;
    }
    if (req.method === 'GET' && path === '/') {
      res.writeHead(302, { Location: 'ui/', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('the trace pages are at ui/\n');
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`not found: ${req.method} ${path}; this server answers GET /redirect, GET /extensions/api/v1/trace and the pages under GET /ui/\n`);
  });
}

export function listen(server: Server, address: string): Promise<number> {
  const { host, port } = parseHostPort(address, 'plugin.httpListen');
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`plugin HTTP server cannot listen on ${address}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
