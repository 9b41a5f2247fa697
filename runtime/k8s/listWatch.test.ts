import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { nullLogger } from '../util/log.ts';
import { apiErrorFromBody, KubeApiError } from './errors.ts';
import { ListWatch, resumableFrom } from './listWatch.ts';
import type { KubeRest } from './rest.ts';

/** A fake apiserver refusing LIST with `status` until `allow()`; its watch then blocks until aborted. */
function fakeRest(status: number) {
  let allowed = false;
  const rest = {
    cluster: 'c1',
    async request() {
      if (!allowed) throw new KubeApiError('c1', 'GET', '/apis/example.com/v1/widgets', status, 'Forbidden', 'widgets.example.com is forbidden');
      return { items: [], metadata: { resourceVersion: '7' } };
    },
    watch: (_path: string, _q: unknown, _on: unknown, signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
  };
  return { rest: rest as unknown as KubeRest, allow: () => (allowed = true) };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

function listWatch(rest: KubeRest): ListWatch {
  return new ListWatch(
    { rest, path: '/apis/example.com/v1/widgets', name: 'example.com/v1/widgets', component: 'test', logger: nullLogger, registry: new Registry() },
    { onList: async () => {}, onEvent: () => {} },
  );
}

describe('ListWatch and RBAC', () => {
  it('marks a resource RBAC refuses as forbidden (not synced), and clears it once a list succeeds', async () => {
    const { rest, allow } = fakeRest(403);
    const lw = listWatch(rest);
    lw.start();
    await until(() => lw.forbidden);
    expect(lw.forbidden).toBe(true);
    expect(lw.synced).toBe(false);
    allow();
    await until(() => lw.synced); // the first retry comes after 500 ms
    expect(lw.synced).toBe(true);
    expect(lw.forbidden).toBe(false);
    await lw.stop();
  });

  it('does not call other failures forbidden', async () => {
    const { rest } = fakeRest(500);
    const lw = listWatch(rest);
    lw.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(lw.forbidden).toBe(false);
    await lw.stop();
  });
});

describe('resumableFrom', () => {
  const gone = (message: string) => apiErrorFromBody('c1', 'WATCH', '/api/v1/configmaps', 410, JSON.stringify({ reason: 'Expired', message }));

  it('takes the oldest resourceVersion a restarted watch cache names, when it is later than ours', () => {
    expect(resumableFrom(gone('too old resource version: 120 (150)'), '120')).toBe('150');
    expect(resumableFrom(gone('too old resource version: 120 (150)'), '150')).toBeUndefined();
    expect(resumableFrom(gone('resource version expired'), '120')).toBeUndefined();
    expect(resumableFrom(gone('too old resource version: 120 (150)'), undefined)).toBeUndefined();
  });
});
