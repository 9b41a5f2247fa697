/**
 * How `kelemetry trace` reaches the plugin and Jaeger query: straight at a URL (a local stack, a
 * port-forward), or through the API server's Service proxy, so an installed instance needs only a
 * kubeconfig. Either way the caller sees the same status, body and Location.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface Answer {
  status: number;
  body: string;
  location?: string;
}

export interface Endpoint {
  /** Where it is, for messages (a URL, or the Service behind the proxy). */
  describe: string;
  /** GETs `path` (with its query string) on the endpoint. */
  get(path: string): Promise<Answer>;
}

const timeoutMs = 30_000;

function send(url: URL, opts: https.RequestOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, { ...opts, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs / 1000}s`)));
    req.on('error', reject);
    req.end();
  });
}

export function urlEndpoint(base: string): Endpoint {
  const root = base.replace(/\/$/, '');
  return { describe: new URL(root).origin, get: (path) => send(new URL(root + path), { method: 'GET' }) };
}

/** `GET /api/v1/namespaces/<ns>/services/<service>:<port>/proxy<path>` with the kubeconfig's credentials. */
export function serviceProxyEndpoint(kc: KubeConfig, namespace: string, service: string, port: string): Endpoint {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const prefix = `${server.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(service)}:${encodeURIComponent(port)}/proxy`;
  return {
    describe: `Service ${namespace}/${service} port ${port} (through the API server at ${new URL(server).host})`,
    get: async (path) => {
      const opts: https.RequestOptions = { method: 'GET' };
      await kc.applyToHTTPSOptions(opts);
      return send(new URL(prefix + path), opts);
    },
  };
}
