/**
 * The diff debug API (spec 7.8), for looking at what the diff cache holds about one object:
 *
 *   GET /diff/<group>/<version>/<resource>/<namespace>/<name>[?cluster=&limit=]   → JSON array of index keys
 *   GET /diff/<group>/<version>/<resource>/<namespace>/<name>/<rv>[?cluster=]     → the patch stored for rv
 *
 * `_` (or `core` for the group) stands for an empty segment: the core group, a cluster-scoped object.
 * `cluster` defaults to this process's own. Differences from the original: the object need not exist any
 * more (deleted objects are what one usually debugs), and the list limit is `limit` (default 100).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { RunningComponent } from '../component/types.ts';
import { counter } from '../metrics/define.ts';
import type { ObjectKey } from '../model/objectKey.ts';
import { parseHostPort } from '../util/hostPort.ts';
import type { Logger } from '../util/log.ts';
import type { DiffCache } from './types.ts';

export interface DiffApiDeps {
  cache: DiffCache;
  /** The cluster a request without `cluster=` means. */
  cluster: string;
  logger: Logger;
  registry: Registry;
}

export interface RunningDiffApi extends RunningComponent {
  port: number;
}

const segment = (s: string) => (s === '_' ? '' : decodeURIComponent(s));

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

async function serve(req: IncomingMessage, res: ServerResponse, deps: DiffApiDeps): Promise<string> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').slice(1);
  if (req.method !== 'GET' || parts[0] !== 'diff' || (parts.length !== 6 && parts.length !== 7)) {
    json(res, 404, { error: 'GET /diff/<group>/<version>/<resource>/<namespace>/<name>[/<rv>] (use _ for an empty group or namespace)' });
    return 'BadPath';
  }
  const [, group, , resource, namespace, name, rv] = parts as [string, string, string, string, string, string, string | undefined];
  const key: ObjectKey = {
    cluster: url.searchParams.get('cluster') || deps.cluster,
    group: group === 'core' ? '' : segment(group),
    resource: segment(resource),
    namespace: segment(namespace),
    name: segment(name),
  };
  if (rv === undefined) {
    const limit = Number(url.searchParams.get('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1) {
      json(res, 400, { error: `limit must be a positive integer, got ${url.searchParams.get('limit')}` });
      return 'BadLimit';
    }
    json(res, 200, await deps.cache.list(key, limit));
    return 'List';
  }
  const patch = await deps.cache.fetchPatch(key, segment(rv), segment(rv));
  if (!patch) {
    json(res, 404, { error: `no patch for resourceVersion ${rv} of ${key.cluster}/${key.group}/${key.resource}/${key.namespace}/${key.name}` });
    return 'NotFound';
  }
  json(res, 200, patch);
  return 'Patch';
}

export async function startDiffApi(listen: string, deps: DiffApiDeps): Promise<RunningDiffApi> {
  const requests = counter(deps.registry, 'diff_api_request_count', 'Diff debug API requests by result.', ['result']);
  const server: Server = createServer((req, res) => {
    serve(req, res, deps).then(
      (result) => requests.inc({ result }),
      (err: unknown) => {
        requests.inc({ result: 'Error' });
        deps.logger.error('diff API request failed', { url: req.url, err });
        if (!res.headersSent) json(res, 500, { error: (err as Error).message });
        else res.end();
      },
    );
  });
  const { host, port } = parseHostPort(listen, 'informers.diffApi.listen');
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`diff API cannot listen on ${listen}: ${err.message}`, { cause: err })));
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  deps.logger.info('diff debug API listening', { listen, port: actual });
  return {
    name: 'diff-api',
    port: actual,
    stop: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}
