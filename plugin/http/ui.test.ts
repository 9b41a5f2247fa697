import type { AddressInfo } from 'node:net';
import { status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../runtime/util/log.ts';
import { PluginMetrics } from '../metrics.ts';
import type { Span } from '../model/span.ts';
import { QueryError } from '../reader/errors.ts';
import type { FindQuery, Reader, RenderedTrace } from '../reader/reader.ts';
import { createHttpServer } from './server.ts';

const id = 'ff20000000e1e3e70123456789abcdef';
const t0 = Date.parse('2026-11-25T10:00:00Z') * 1000;
const span: Span = {
  traceId: id, spanId: 'aaaaaaaaaaaaaaaa', name: 'default <b>demo</b>', service: 'deployments', kind: 0, startUs: t0, durationUs: 2_000_000,
  tags: new Map([['secretData', 'must-not-show']]), logs: [{ timeUs: t0, fields: new Map([['audit', 'alice create']]) }], warnings: [],
};
const searches: FindQuery[] = [];
let matches = 1;
const reader = {
  findTraces: async (q: FindQuery): Promise<RenderedTrace[]> => {
    searches.push(q);
    return Array.from({ length: matches }, (_, i) => ({ traceId: i ? `ff20000000e1e3e7${String(i).padStart(16, '0')}` : id, spans: [span], startUs: q.startUs, endUs: q.endUs }));
  },
  getTrace: async (traceId: string): Promise<RenderedTrace | undefined> => {
    if (traceId.slice(2, 10) === '99000000') throw new QueryError(`display mode 99000000 does not exist (trace ${traceId})`, status.NOT_FOUND);
    return traceId.slice(10) === id.slice(10) ? { traceId, spans: [{ ...span, traceId }], startUs: t0, endUs: t0 + 2_000_000 } : undefined;
  },
} as unknown as Reader;

const server = createHttpServer({
  reader, defaultMode: () => 'tracing', clusters: ['c1'], windowMs: 1_800_000, metrics: new PluginMetrics(new Registry()), logger: createLogger({ level: 'error' }),
  modes: () => [{ idHex: '20000000', name: 'tracing' }, { idHex: '31000000', name: 'grouped [full tree]' }],
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = (path: string) => fetch(base + path, { redirect: 'manual' });

describe('plugin trace pages', () => {
  it('serves the trace as HTML that runs no script, with links to the other display modes', async () => {
    const res = await get(`/ui/trace/${id.toUpperCase()}`);
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(body).toContain('default &lt;b&gt;demo&lt;/b&gt;');
    expect(body).toContain('alice create');
    expect(body).toContain('<a href="ff31000000e1e3e70123456789abcdef">grouped [full tree]</a>');
    expect(body).not.toContain('must-not-show');
  });

  it('answers 404 pages for unknown traces and display modes', async () => {
    const unknown = await get('/ui/trace/ff20000000e1e3e7ffffffffffffffff');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('search for the object again');
    const badMode = await get('/ui/trace/ff99000000e1e3e70123456789abcdef');
    expect(badMode.status).toBe(404);
    expect(await badMode.text()).toContain('display mode 99000000 does not exist');
    expect((await get('/ui/trace/not-an-id')).status).toBe(404);
  });

  it('leads / and /ui to the search form, which lists the clusters and modes', async () => {
    expect((await get('/')).headers.get('location')).toBe('ui/');
    expect((await get('/ui')).headers.get('location')).toBe('ui/');
    const form = await (await get('/ui/')).text();
    expect(form).toContain('<form class="search" method="get" action="search">');
    expect(form).toContain('<option value="c1" selected>c1</option>');
    expect(form).toContain('<option value="20000000" selected>tracing</option>');
  });

  it('searches like /redirect (ts defaults to now) and sends the browser to the trace page in the chosen mode', async () => {
    const before = Date.now();
    const res = await get('/ui/search?cluster=C1&resource=deployments&namespace=default&name=demo&ts=&mode=31000000');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('trace/ff31000000e1e3e70123456789abcdef');
    const q = searches.at(-1)!;
    expect(q).toMatchObject({ service: 'tracing', operation: 'c1', attributes: { resource: 'deployments', namespace: 'default', name: 'demo' } });
    expect(q.startUs / 1000 + 1_800_000).toBeGreaterThanOrEqual(before);
  });

  it('shows the form again, refilled and escaped, when the search does not open one trace', async () => {
    matches = 0;
    const missing = await get('/ui/search?cluster=c1&resource=deployments&name=%3Cscript%3Ex');
    matches = 2;
    const several = await get('/ui/search?cluster=c1&resource=deployments&name=demo');
    matches = 1;
    const bad = await get('/ui/search?cluster=nope&resource=deployments&name=demo');
    expect(missing.status).toBe(404);
    const missingPage = await missing.text();
    expect(missingPage).toContain('no trace of c1/*/deployments/*/&lt;script&gt;x within 30 minutes');
    expect(missingPage).toContain('<input id="name" name="name" value="&lt;script&gt;x"');
    expect(missingPage).not.toContain('<script');
    const form = await (await get('/ui/search?cluster=c1&resource=deployments&name=demo&mode=77000000')).text();
    expect(form).toContain('unknown display mode 77000000');
    expect(several.status).toBe(409);
    expect(await several.text()).toContain('<a href="trace/ff20000000e1e3e70000000000000001">');
    expect(bad.status).toBe(404);
    expect(await bad.text()).toContain('cluster nope not supported now');
  });
});

describe('/redirect?ui=page', () => {
  const q = 'cluster=c1&resource=deployments&name=demo&ts=2026-11-25T10:00:00Z';

  it('sends a browser to the plugin trace page, relative to /redirect', async () => {
    const res = await get(`/redirect?${q}&ui=page`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`ui/trace/${id}`);
    expect(new URL(res.headers.get('location')!, `${base}/redirect`).pathname).toBe(`/ui/trace/${id}`);
  });

  it('keeps the Jaeger UI location by default and refuses other targets', async () => {
    expect((await get(`/redirect?${q}`)).headers.get('location')).toBe(`/trace/${id}`);
    expect((await get(`/redirect?${q}&ui=jaeger`)).headers.get('location')).toBe(`/trace/${id}`);
    const bad = await get(`/redirect?${q}&ui=grafana`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('ui must be page');
  });
});
