/** HTTPTrace against a fake trace backend (a local HTTP server answering Jaeger API JSON), run as a display mode runs it. */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkTree, objectTags, shape } from '../transform/testing.ts';
import { createExtension } from './factory.ts';
import { runExtensions } from './runner.ts';

/** A trace of one span named after the request (`<path> <name arg>`), service `kubelet`. */
function traceFor(path: string, name: string) {
  const traceID = createHash('sha256').update(`${path}/${name}`).digest('hex').slice(0, 32);
  return {
    traceID,
    spans: [{ traceID, spanID: traceID.slice(16), operationName: `${path} ${name}`, references: [], startTime: 1_000, duration: 10, tags: [{ key: 'k', type: 'string', value: 'v' }], processID: 'p1' }],
    processes: { p1: { serviceName: 'kubelet' } },
  };
}

let server: Server;
let base: string;
let inFlight = 0;
let maxInFlight = 0;
const requests: string[] = [];

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url!, 'http://x');
  const name = url.searchParams.get('name') ?? '';
  requests.push(`${url.pathname}?${url.searchParams}`);
  // Only /concurrent counts: an aborted slow request of another test may still be sleeping here.
  const counted = url.pathname === '/concurrent';
  if (counted) maxInFlight = Math.max(maxInFlight, ++inFlight);
  try {
    const delay = Number(url.searchParams.get('delay') ?? 0) + (name.startsWith('slow') ? 5_000 : 0);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    if (url.pathname === '/broken') return void res.writeHead(500).end('backend down');
    if (url.pathname === '/garbage') return void res.writeHead(200).end('<html>');
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ data: [traceFor(url.pathname, name)] }));
  } finally {
    if (counted) inFlight--;
  }
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const backend = (path: string, extra: Record<string, unknown> = {}) => ({ urlTemplate: `${base}${path}`, argsTemplates: { name: '{{.name}}', from: '{{unixMicro .start}}' }, forObject: true, ...extra });
const extension = (args: Record<string, unknown>) => createExtension('node trace', { kind: 'HTTPTrace', totalTimeout: '5s', ...args }, {}, 'test');

/** A deployment object span with pod object spans `names` under it (tree span ids 1, 2, 3, ...). */
function family(...names: string[]) {
  return mkTree(
    { id: '1', name: 'deploy', tags: objectTags('deployments', 'demo') },
    ...names.map((n, i) => ({ id: String(i + 2), parent: '1', name: n, tags: objectTags('pods', n, { group: '' }) })),
  );
}

describe('HTTPTrace extension', () => {
  it('asks the first backend whose tag filters match, with the rendered args, and hangs the trace under the object span', async () => {
    requests.length = 0;
    const tree = family('web-0', 'db-0');
    const ext = extension({ traceBackends: [backend('/web', { tagFilters: { name: '^web-' } }), backend('/other', { tagFilters: { resource: '^pods$' } })] });
    const records = await runExtensions(tree, [ext], { startUs: 7, endUs: 9 });
    expect(shape(tree)).toBe('deploy(db-0(/other db-0),web-0(/web web-0))');
    expect(requests.sort()).toEqual(['/other?name=db-0&from=7', '/web?name=web-0&from=7']);
    // Returned spans take the trace ID of the span they hang under; the service comes from the process.
    const added = tree.all().find((s) => s.name === '/web web-0')!;
    expect(added).toMatchObject({ traceId: tree.root.traceId, service: 'kubelet', parentId: '0000000000000002' });
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ providerKind: 'HTTPTrace', providerConfig: { kind: 'HTTPTrace' }, identifier: { traceIds: [expect.any(String)] } });
  });

  it('falls through to the next matching backend when one fails', async () => {
    const tree = family('web-0');
    const ext = extension({ traceBackends: [backend('/broken'), backend('/garbage'), backend('/good')] });
    await runExtensions(tree, [ext], { startUs: 0, endUs: 1 });
    expect(shape(tree)).toBe('deploy(/good demo,web-0(/good web-0))');
    expect(tree.root.warnings).toEqual([]);
  });

  it('warns on the root when every backend fails, and still renders', async () => {
    const tree = family('web-0');
    const ext = extension({ traceBackends: [backend('/broken', { forObject: false, forAuditEvent: true }), backend('/broken')] });
    await runExtensions(tree, [ext], { startUs: 0, endUs: 1 });
    expect(shape(tree)).toBe('deploy(web-0)');
    expect(tree.root.warnings).toEqual([expect.stringMatching(/^extension "node trace": 2 of 2 fetches failed, first: HTTPTrace: every matching trace backend failed: backend 1: GET .* HTTP 500: backend down$/)]);
  });

  it('keeps what arrived before totalTimeout and names the rest', async () => {
    const tree = family('fast-0', 'slow-0', 'fast-1');
    const ext = extension({ totalTimeout: '400ms', traceBackends: [backend('/good')] });
    const t0 = Date.now();
    await runExtensions(tree, [ext], { startUs: 0, endUs: 1 });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(shape(tree)).toBe('deploy(/good demo,fast-0(/good fast-0),fast-1(/good fast-1),slow-0)');
    expect(tree.root.warnings).toEqual(['extension "node trace": totalTimeout 400 ms reached, 1 of 4 fetches not finished']);
  });

  it('runs at most maxConcurrency requests at once', async () => {
    maxInFlight = 0;
    const names = Array.from({ length: 8 }, (_, i) => `pod-${i}`);
    const tree = family(...names);
    const ext = extension({ maxConcurrency: 3, traceBackends: [backend('/concurrent', { argsTemplates: { name: '{{.name}}', delay: '50' } })] });
    await runExtensions(tree, [ext], { startUs: 0, endUs: 1 });
    expect(tree.size).toBe(1 + 8 + 9);
    expect(maxInFlight).toBe(3);
  });

  it('fetches for audit spans with their resourceVersion (forAuditEvent), and re-fetches on replay', async () => {
    requests.length = 0;
    const tree = mkTree(
      { id: '1', name: 'pod', tags: objectTags('pods', 'p', { group: '' }) },
      { id: '2', parent: '1', name: 'update', tags: { 'zzz-traceSource': 'audit', resourceVersion: '42', cluster: 'c1', resource: 'pods', namespace: 'default', name: 'p' } },
    );
    const ext = extension({ traceBackends: [backend('/rv', { forObject: false, forAuditEvent: true, argsTemplates: { rv: '{{.resourceVersion}}' } })] });
    const records = await runExtensions(tree, [ext], { startUs: 0, endUs: 1 });
    expect(requests).toEqual(['/rv?rv=42']);
    expect(shape(tree)).toBe('pod(update(/rv ))');
    // No loadCache: a replayed trace asks the backend again.
    const again = mkTree(...[tree.get('0000000000000001')!, tree.get('0000000000000002')!].map((s) => ({ id: s.spanId, ...(s.parentId ? { parent: s.parentId } : {}), name: s.name, tags: Object.fromEntries(s.tags) })));
    await runExtensions(again, [ext], { startUs: 0, endUs: 1, replay: records });
    expect(requests).toEqual(['/rv?rv=42', '/rv?rv=42']);
  });
});
