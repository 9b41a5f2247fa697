/**
 * Just enough kube-apiserver for the original's audit consumer: legacy discovery (it maps the response
 * object's kind to a resource for creates without a name, and sleeps 5 s per event when it cannot) and an
 * empty, never-changing ConfigMap list/watch for its dynamic filter. A real apiserver would cost the shared
 * machine CPU during the measurement.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const resource = (name: string, kind: string) => [
  { name, singularName: kind.toLowerCase(), namespaced: true, kind, verbs },
  { name: `${name}/status`, singularName: '', namespaced: true, kind, verbs: ['get', 'patch', 'update'] },
];

/** The kinds the bench's audit stream (stream.ts) writes. */
const documents: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }],
  },
  '/api/v1': { kind: 'APIResourceList', groupVersion: 'v1', resources: [...resource('pods', 'Pod'), ...resource('configmaps', 'ConfigMap')] },
  '/apis/apps/v1': { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1', resources: [...resource('deployments', 'Deployment'), ...resource('replicasets', 'ReplicaSet')] },
  '/api/v1/namespaces/default/configmaps': { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] },
};

function reply(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export interface FakeApiserver {
  url: string;
  stop(): Promise<void>;
}

export async function startFakeApiserver(): Promise<FakeApiserver> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const doc = documents[url.pathname];
    // A watch that never sends an event: the filter's informer stays quiet instead of relisting.
    if (doc && url.searchParams.get('watch') === 'true') res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
    else if (doc) reply(res, 200, doc);
    else reply(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${url.pathname} not served by the bench's fake apiserver` });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
