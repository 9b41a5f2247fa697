/** The operator's /metrics behind TokenReview + SubjectAccessReview; /healthz and /readyz stay open. */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeRest } from '../runtime/k8s/rest.ts';
import { startMetricsServer, type RunningMetricsServer } from '../runtime/metrics/server.ts';
import { nullLogger } from '../runtime/util/log.ts';
import { isLoopback, kubeMetricsGuard } from './metricsAuth.ts';

/** A fake API server: `alice-token` is alice (allowed), `bob-token` is bob (not allowed), anything else is unknown. */
function fakeRest() {
  const create = vi.fn(async (path: string, body: { spec: { token?: string; user?: string; nonResourceAttributes?: object } }) => {
    if (path.endsWith('/tokenreviews')) {
      const user = { 'alice-token': 'alice', 'bob-token': 'bob' }[body.spec.token ?? ''];
      return { status: user ? { authenticated: true, user: { username: user, groups: ['system:authenticated'] } } : { authenticated: false } };
    }
    expect(body.spec.nonResourceAttributes).toEqual({ path: '/metrics', verb: 'get' });
    return { status: { allowed: body.spec.user === 'alice' } };
  });
  return { rest: { create } as unknown as KubeRest, create };
}

describe('metrics authorization', () => {
  let server: RunningMetricsServer | undefined;
  afterEach(async () => server?.stop());

  async function serve(rest: KubeRest, now?: () => number) {
    const registry = new Registry();
    server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, registry, () => [], nullLogger, undefined, kubeMetricsGuard({ rest, logger: nullLogger, now }));
    return (path: string, token?: string) => fetch(`${server!.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  }

  it('answers 401 without a token, 401 for an unknown one, 403 when not allowed, 200 when allowed', async () => {
    const get = await serve(fakeRest().rest);
    const none = await get('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await get('/metrics', 'nobody')).status).toBe(401);
    expect((await get('/metrics', 'bob-token')).status).toBe(403);
    expect((await get('/metrics', 'alice-token')).status).toBe(200);
  });

  it('keeps the probes open to the kubelet', async () => {
    const get = await serve(fakeRest().rest);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
  });

  it('reuses a decision for a while', async () => {
    const { rest, create } = fakeRest();
    let t = 0;
    const get = await serve(rest, () => t);
    await get('/metrics', 'alice-token');
    await get('/metrics', 'alice-token');
    expect(create).toHaveBeenCalledTimes(2);
    t = 61_000;
    await get('/metrics', 'alice-token');
    expect(create).toHaveBeenCalledTimes(4);
  });

  it('answers 500 when the API server cannot review, and does not cache it', async () => {
    const create = vi.fn(async () => Promise.reject(new Error('connection refused')));
    const get = await serve({ create } as unknown as KubeRest);
    expect((await get('/metrics', 'alice-token')).status).toBe(500);
    expect((await get('/metrics', 'alice-token')).status).toBe(500);
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('is on by default only beyond loopback', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('10.0.0.7')).toBe(false);
  });
});
