/** The plugin's HTTP server: `/redirect`, `/extensions/api/v1/trace`, and `/healthz` for probes. */
import { createServer, type Server } from 'node:http';
import { parseHostPort } from '../../runtime/util/hostPort.ts';
import type { Logger } from '../../runtime/util/log.ts';
import { handleExtensionTrace } from './extensionTrace.ts';
import { handleRedirect, type RedirectOptions } from './redirect.ts';

export function createHttpServer(opts: RedirectOptions & { logger: Logger }): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handler = req.method === 'GET' ? { '/redirect': handleRedirect, '/extensions/api/v1/trace': handleExtensionTrace }[path ?? ''] : undefined;
    if (handler) {
      handler(req, res, opts).catch((err: unknown) => {
        opts.logger.error('plugin HTTP request failed', { url: req.url, err });
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`internal error: ${(err as Error).message}\n`);
      });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`not found: ${req.method} ${path}; this server answers GET /redirect and GET /extensions/api/v1/trace\n`);
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
