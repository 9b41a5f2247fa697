/**
 * Webhook refusals, against a real HTTP server on 127.0.0.1:0 feeding the real queue, consumer,
 * aggregator, memory span cache and OTel SDK (in-memory exporter). Each case checks the status code,
 * the `audit_webhook_request` metric, and that a valid request right after is accepted and traced.
 */
import { Agent, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SpanAggregator } from '../aggregator/aggregator.ts';
import { parseConfig } from '../config/load.ts';
import { MemorySpanCache } from '../spancache/memory.ts';
import { OtlpTracer } from '../tracer/otlp.ts';
import { nullLogger } from '../util/log.ts';
import { createWebhookServer } from './http.ts';
import { startAuditPipeline, type RunningAuditPipeline } from './pipeline.ts';
import { auditEvent, eventList } from './testdata.ts';

interface Harness {
  pipeline: RunningAuditPipeline;
  registry: Registry;
  exporter: InMemorySpanExporter;
  tracer: OtlpTracer;
  url: string;
}

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.pipeline.stop();
  await harness?.tracer.shutdown();
  harness = undefined;
});

async function start(audit: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<Harness> {
  const config = parseConfig({
    clusters: [{ name: 'tracetest', apiserverAddresses: ['10.9.9.9'] }],
    tracer: { otlpEndpoint: '127.0.0.1:1', scheduledDelay: '10ms' },
    audit,
    ...extra,
  });
  const registry = new Registry();
  const exporter = new InMemorySpanExporter();
  const tracer = new OtlpTracer(config.tracer!, { exporter, logger: nullLogger, registry });
  const aggregator = new SpanAggregator({ spanTtl: config.spanTtl, reserveTtl: 10_000 }, { spanCache: new MemorySpanCache(), tracer, registry, logger: nullLogger });
  const pipeline = await startAuditPipeline(config.audit!, { clusters: config.clusters, aggregator, registry, logger: nullLogger, listen: { host: '127.0.0.1', port: 0 } });
  harness = { pipeline, registry, exporter, tracer, url: pipeline.url };
  return harness;
}

async function requestCount(registry: Registry, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric('audit_webhook_request');
  if (!metric) return 0;
  const { values } = (await metric.get()) as { values: { metricName?: string; labels: Record<string, string | number>; value: number }[] };
  return values
    .filter((v) => v.metricName === 'audit_webhook_request_count' && Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((n, v) => n + v.value, 0);
}

function post(url: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'application/json', ...headers } });
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A valid batch is accepted and its event becomes an exported audit span. */
async function expectValidRequestWorks(h: Harness, name: string): Promise<void> {
  const res = await post(`${h.url}/audit/tracetest`, JSON.stringify(eventList([auditEvent({ name })])));
  expect(res.status).toBe(200);
  await h.tracer.forceFlush();
  await waitFor(async () => {
    await h.tracer.forceFlush();
    return h.exporter.getFinishedSpans().some((s) => s.name === 'alice update' && s.attributes.name === name);
  }, `audit span for ${name}`);
}

describe('audit webhook refusals', () => {
  it('malformed JSON → 400, counted, then a valid batch succeeds', async () => {
    const h = await start();
    const res = await post(`${h.url}/audit/tracetest`, '{"kind": "EventList", "items": [');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/not valid JSON/);
    expect(await requestCount(h.registry, { cluster: 'tracetest', code: '400' })).toBe(1);
    await expectValidRequestWorks(h, 'after-json');
    expect(await requestCount(h.registry, { cluster: 'tracetest', code: '200' })).toBe(1);
  });

  it('wrong kind or apiVersion or item shape → 400', async () => {
    const h = await start();
    const bodies = [
      { kind: 'Event', apiVersion: 'audit.k8s.io/v1', items: [] },
      { kind: 'EventList', apiVersion: 'audit.k8s.io/v1beta1', items: [] },
      { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: {} },
      { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [{ auditID: 'x' }] },
      [1, 2, 3],
    ];
    for (const b of bodies) {
      const res = await post(`${h.url}/audit/tracetest`, JSON.stringify(b));
      expect(res.status, JSON.stringify(b)).toBe(400);
    }
    expect(await requestCount(h.registry, { code: '400' })).toBe(bodies.length);
    await expectValidRequestWorks(h, 'after-kind');
  });

  it('body over the limit → 413, by Content-Length and when streamed', async () => {
    const h = await start({ webhook: { maxBodyBytes: 2048 } });
    const big = JSON.stringify(eventList(Array.from({ length: 20 }, () => auditEvent())));
    expect(big.length).toBeGreaterThan(2048);
    const res = await post(`${h.url}/audit/tracetest`, big);
    expect(res.status).toBe(413);
    // Chunked, no Content-Length: the limit is enforced while reading.
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res2 = await fetch(`${h.url}/audit/tracetest`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res2.status).toBe(413);
    expect(await requestCount(h.registry, { cluster: 'tracetest', code: '413' })).toBe(2);
    await expectValidRequestWorks(h, 'after-413');
  });

  it('unknown cluster → 404 naming the configured ones; unattributable source → 400', async () => {
    const h = await start();
    const body = JSON.stringify(eventList([auditEvent()]));
    const res = await post(`${h.url}/audit/nosuch`, body);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toMatch(/unknown cluster "nosuch": configured clusters are tracetest/);
    const res2 = await post(`${h.url}/audit`, body);
    expect(res2.status).toBe(400);
    expect(((await res2.json()) as { message: string }).message).toMatch(/apiserverAddresses/);
    expect(await requestCount(h.registry, { cluster: 'unknown', code: '404' })).toBe(1);
    expect(await requestCount(h.registry, { cluster: 'unknown', code: '400' })).toBe(1);
    await expectValidRequestWorks(h, 'after-cluster');
  });

  it('wrong path → 404, wrong method → 405', async () => {
    const h = await start();
    expect((await post(`${h.url}/other`, '{}')).status).toBe(404);
    const get = await fetch(`${h.url}/audit/tracetest`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    await expectValidRequestWorks(h, 'after-method');
  });

  it('queue full → 429 with Retry-After, nothing of the batch accepted; accepted again once drained', async () => {
    const h = await start({ queue: { partitions: 1, capacity: 3 } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    h.pipeline.decorators.push(() => gate);
    // One event occupies the consumer (blocked in the decorator), two wait: the queue holds 3.
    const first = await post(`${h.url}/audit/tracetest`, JSON.stringify(eventList([auditEvent({ name: 'a' }), auditEvent({ name: 'b' }), auditEvent({ name: 'c' })])));
    expect(first.status).toBe(200);
    const full = await post(`${h.url}/audit/tracetest`, JSON.stringify(eventList([auditEvent({ name: 'd' })])));
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('1');
    expect(await requestCount(h.registry, { cluster: 'tracetest', code: '429' })).toBe(1);
    // A batch larger than the whole queue can never fit: 413, not an endless 429.
    const huge = await post(`${h.url}/audit/tracetest`, JSON.stringify(eventList(Array.from({ length: 4 }, (_, i) => auditEvent({ name: `h${i}` })))));
    expect(huge.status).toBe(413);
    release();
    await waitFor(() => h.pipeline.queue!.depth === 0, 'queue to drain');
    await expectValidRequestWorks(h, 'after-429');
    expect(h.exporter.getFinishedSpans().some((s) => s.attributes.name === 'd')).toBe(false);
  });

  it('wrong or missing bearer token → 401', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'kelemetry-token-')), 'token');
    writeFileSync(file, 's3cret\n');
    const h = await start({ webhook: { bearerTokenFile: file } });
    const body = JSON.stringify(eventList([auditEvent()]));
    expect((await post(`${h.url}/audit/tracetest`, body)).status).toBe(401);
    expect((await post(`${h.url}/audit/tracetest`, body, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect(await requestCount(h.registry, { code: '401' })).toBe(2);
    const rejected = (await h.registry.getSingleMetric('audit_webhook_rejected_total')!.get()).values;
    expect(rejected).toEqual([expect.objectContaining({ labels: { reason: 'unauthenticated' }, value: 2 })]);
    const ok = await post(`${h.url}/audit/tracetest`, body, { authorization: 'Bearer s3cret' });
    expect(ok.status).toBe(200);
  });

  it('events without responseStatus are traced (no status suffix, no responseCode tag)', async () => {
    const h = await start();
    const res = await post(`${h.url}/audit/tracetest`, JSON.stringify(eventList([auditEvent({ name: 'nostatus', code: null })])));
    expect(res.status).toBe(200);
    await waitFor(async () => {
      await h.tracer.forceFlush();
      return h.exporter.getFinishedSpans().some((s) => s.attributes.name === 'nostatus' && s.name === 'alice update');
    }, 'span without responseStatus');
    const span = h.exporter.getFinishedSpans().find((s) => s.attributes.name === 'nostatus' && s.name === 'alice update')!;
    expect(span.attributes).not.toHaveProperty('responseCode');
    await expectValidRequestWorks(h, 'after-nostatus');
  });

  it('attributes /audit (no cluster) by the apiserver address', async () => {
    const h = await start({}, { clusters: [{ name: 'tracetest', apiserverAddresses: ['127.0.0.1'] }] });
    const res = await post(`${h.url}/audit`, JSON.stringify(eventList([auditEvent({ name: 'by-ip' })])));
    expect(res.status).toBe(200);
    expect(await requestCount(h.registry, { cluster: 'tracetest', code: '200' })).toBe(1);
  });
});

describe('audit webhook keep-alive', () => {
  /** POSTs one batch through `agent` and reports whether it reused a pooled connection. */
  function postVia(agent: Agent, url: string, name: string): Promise<{ status: number; connection: string; reused: boolean; socket: Socket }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, connection: String(res.headers.connection), reused: req.reusedSocket, socket: req.socket! }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(eventList([auditEvent({ name })])));
    });
  }

  it('outlives the API server idle timeout (Go: 90 s), so the client closes idle connections, not the server', () => {
    expect(createWebhookServer(undefined, () => undefined).keepAliveTimeout).toBeGreaterThan(90_000);
  });

  it('keeps idle connections open once terminating; each response then closes its own', async () => {
    const h = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await postVia(agent, `${h.url}/audit/tracetest`, 'ka-1');
      expect(first).toMatchObject({ status: 200, connection: 'keep-alive', reused: false });
      h.pipeline.terminating!();
      await new Promise((r) => setTimeout(r, 200));
      // Closing it here would race with a batch the API server may be writing on it (EOF is not retried).
      expect(first.socket.destroyed).toBe(false);
      const second = await postVia(agent, `${h.url}/audit/tracetest`, 'ka-2');
      expect(second).toMatchObject({ status: 200, connection: 'close', reused: true });
      await waitFor(() => second.socket.destroyed, 'the connection to close after its response');
    } finally {
      agent.destroy();
    }
  });
});

describe('audit webhook over TLS', () => {
  it('serves HTTPS and, with a client CA, accepts only clients with a certificate from it', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const https = await import('node:https');
    const { createPki } = await import('../../envtest/pki.ts');
    const pki = await createPki('openssl', mkdtempSync(join(tmpdir(), 'kelemetry-pki-')));
    const serving = await pki.issue('webhook', { commonName: 'webhook', sans: ['IP:127.0.0.1'] });
    const client = await pki.issue('apiserver', { commonName: 'kube-apiserver', client: true });
    const h = await start({ webhook: { tls: { certFile: serving.cert, keyFile: serving.key, clientCaFile: pki.ca.cert } } });
    expect(h.url).toMatch(/^https:/);
    const body = JSON.stringify(eventList([auditEvent({ name: 'tls' })]));
    const postTls = (withCert: boolean) =>
      new Promise<number>((resolve, reject) => {
        const req = https.request(
          `${h.url}/audit/tracetest`,
          {
            method: 'POST',
            ca: readFileSync(pki.ca.cert),
            ...(withCert ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    expect(await postTls(true)).toBe(200);
    // Without a client certificate the TLS handshake fails: no HTTP answer at all.
    await expect(postTls(false)).rejects.toThrow();
    expect(await postTls(true)).toBe(200);
  });
});

describe('audit forward', () => {
  it('re-POSTs accepted batches to each upstream with the forwarding headers, and nothing refused', async () => {
    const { createServer } = await import('node:http');
    const got: { url: string; headers: Record<string, unknown>; body: string }[] = [];
    const upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        got.push({ url: req.url!, headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as { port: number }).port;
    try {
      const h = await start({ webhook: { forward: [{ name: 'up', url: `http://127.0.0.1:${port}/audit/:cluster` }] } });
      const body = JSON.stringify(eventList([auditEvent({ name: 'fwd' })]));
      expect((await post(`${h.url}/audit/tracetest`, body)).status).toBe(200);
      expect((await post(`${h.url}/audit/tracetest`, '{bad')).status).toBe(400);
      await waitFor(() => got.length >= 1, 'forwarded batch');
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ url: '/audit/tracetest', body, headers: { 'x-forwarded-for': '127.0.0.1', 'x-kubetrace-webhook-forward': 'from-kubetrace' } });
      const { values } = await h.registry.getSingleMetric('audit_forward_proxy')!.get();
      expect(values.some((v) => v.labels.upstream === 'up' && v.labels.success === 'true')).toBe(true);
    } finally {
      upstream.close();
    }
  });
});
