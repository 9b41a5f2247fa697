/** What the plugin's HTTP handlers share: plain-text replies and RFC 3339 parameters. */
import type { ServerResponse } from 'node:http';

const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;

/** ms since the epoch, or undefined when absent or not RFC 3339. */
export function parseRfc3339(text: string | null): number | undefined {
  if (!text || !rfc3339.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export function reply(res: ServerResponse, code: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(body.endsWith('\n') ? body : `${body}\n`);
}

export interface ObjectParams {
  /** The cluster as configured (the request may differ in case). */
  cluster: string;
  resource: string;
  name: string;
}

/** Why a request cannot be answered: HTTP status, metric result and message. */
export interface Refusal {
  code: number;
  result: string;
  message: string;
}

/** cluster, resource and name of the object a request names, or why they are missing or unknown. */
export function checkObjectParams(p: URLSearchParams, clusters: readonly string[]): ObjectParams | Refusal {
  const [cluster, resource, name] = ['cluster', 'resource', 'name'].map((k) => p.get(k) ?? '') as [string, string, string];
  if (!cluster || !resource || !name) return { code: 400, result: 'EmptyParam', message: 'cluster, resource and name are required' };
  const known = clusters.find((c) => c.toLowerCase() === cluster.toLowerCase());
  if (!known) return { code: 404, result: 'UnknownCluster', message: `cluster ${cluster} not supported now; known clusters: ${clusters.join(', ')}` };
  return { cluster: known, resource, name };
}

/**
 * cluster, resource and name of the object a request names. On a missing parameter or an unknown cluster it
 * answers (400/404), counts the result and returns undefined.
 */
export function objectParams(p: URLSearchParams, clusters: readonly string[], res: ServerResponse, count: (result: string) => void): ObjectParams | undefined {
  const checked = checkObjectParams(p, clusters);
  if (!('code' in checked)) return checked;
  count(checked.result);
  reply(res, checked.code, checked.message);
  return undefined;
}
