/**
 * Who may read the operator's /metrics when it listens beyond loopback, the way controller-runtime
 * protects its metrics: the caller sends a bearer token (e.g. Prometheus's service account token), a
 * TokenReview (authentication.k8s.io/v1) says whose it is, and a SubjectAccessReview
 * (authorization.k8s.io/v1) asks whether that user may `get` the non-resource URL /metrics, which the
 * install's ClusterRole `kelemetry-metrics-reader` (METRICS_READER_ROLE) grants. Decisions are cached briefly per token, so a
 * scrape every few seconds costs two API calls a minute. No token: 401; a token that may not: 403.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Counter } from 'prom-client';
import type { KubeRest } from '../runtime/k8s/rest.ts';
import type { MetricsGuard } from '../runtime/metrics/server.ts';
import type { Logger } from '../runtime/util/log.ts';

const METRICS_PATH = '/metrics';

interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface MetricsAuthOptions {
  /** A client whose calls are not counted as the operator's writes (a review is a create). */
  rest: KubeRest;
  logger: Logger;
  /** Decisions by result: allowed, unauthenticated, forbidden, error. */
  decisions?: Counter<'result'>;
  /** How long a decision is reused (default 60 s allowed, 10 s refused). */
  allowTtlMs?: number;
  denyTtlMs?: number;
  now?: () => number;
}

/** True for an address only this host can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

const bearer = (req: IncomingMessage) => /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];

export function kubeMetricsGuard(opts: MetricsAuthOptions): MetricsGuard {
  const cache = new Map<string, { code: number; until: number }>();
  const now = opts.now ?? Date.now;
  const count = (code: number) => opts.decisions?.inc({ result: code === 200 ? 'allowed' : code === 401 ? 'unauthenticated' : code === 403 ? 'forbidden' : 'error' });
  return async (req) => {
    const token = bearer(req);
    if (!token) {
      count(401);
      return 401;
    }
    const key = createHash('sha256').update(token).digest('hex');
    const hit = cache.get(key);
    if (hit && hit.until > now()) {
      count(hit.code);
      return hit.code;
    }
    const code = await review(opts, token);
    if (code !== 500) {
      if (cache.size >= 1000) cache.clear();
      cache.set(key, { code, until: now() + (code === 200 ? (opts.allowTtlMs ?? 60_000) : (opts.denyTtlMs ?? 10_000)) });
    }
    count(code);
    return code;
  };
}

/** 200, 401 or 403 from a TokenReview and a SubjectAccessReview; 500 when the API server could not tell. */
async function review(opts: MetricsAuthOptions, token: string): Promise<number> {
  try {
    const tr = await opts.rest.create<{ status?: { authenticated?: boolean; user?: UserInfo } }>('/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token },
    });
    const user = tr.status?.user;
    if (!tr.status?.authenticated || !user) return 401;
    const sar = await opts.rest.create<{ status?: { allowed?: boolean } }>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: user.username, uid: user.uid, groups: user.groups, extra: user.extra, nonResourceAttributes: { path: METRICS_PATH, verb: 'get' } },
    });
    return sar.status?.allowed ? 200 : 403;
  } catch (err) {
    opts.logger.warn('cannot review a metrics request', { err });
    return 500;
  }
}
