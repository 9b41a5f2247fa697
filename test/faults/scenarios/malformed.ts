/**
 * Malformed and oversized input on every listener (audit webhook, metrics, the plugin's /redirect and gRPC
 * server), each followed by a good request that must be served, under steady audit load; the runtime must
 * still run at the end. Every abuse and its answer goes to the notes.
 */
import { randomBytes } from 'node:crypto';
import { loadedRun, type Row, type RuntimeDoc, type Running, type SuiteContext } from '../harness.ts';
import { grpcUnary, httpStatus, listeners, rawAbuse, rawSend, type Listener } from '../listeners.ts';

/** The webhook's body limit here: oversized bodies are cheap to send above it. */
const maxBodyBytes = 1 << 20;

/** The plugin's listeners, reading the environment's Jaeger remote storage. */
export function withPlugin(ctx: SuiteContext) {
  return (doc: RuntimeDoc, { ports }: { ports: Running['ports'] }) => {
    (doc.audit as { webhook: Record<string, unknown> }).webhook.maxBodyBytes = maxBodyBytes;
    doc.plugin = { grpcListen: `127.0.0.1:${ports.grpc}`, httpListen: `127.0.0.1:${ports.http}`, backend: { remoteStorage: ctx.env.jaeger.storage.remoteStorage } };
  };
}

type Abuse = { name: string; send: () => Promise<string> };

const shown = (status: number) => (status ? String(status) : 'connection closed');
const post = (url: string, body: string | Buffer) => async () => shown(await httpStatus(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } }));
const get = (url: string) => async () => shown(await httpStatus(url));

/** Events that pass the webhook's envelope checks but carry wrong types inside. */
const oddEvents = JSON.stringify({
  kind: 'EventList',
  apiVersion: 'audit.k8s.io/v1',
  items: [
    { auditID: 'odd-1', stage: 'ResponseComplete', verb: 'update', objectRef: { resource: 5, name: {}, namespace: [] }, user: 'nobody', sourceIPs: 'x' },
    { auditID: 'odd-2', stage: 'ResponseComplete', verb: 'create', objectRef: { resource: 'pods', namespace: 'x' }, responseObject: { metadata: 5 }, responseStatus: { code: 'x' } },
    { auditID: 'odd-3', stage: 'ResponseComplete', verb: 'patch', objectRef: { resource: 'pods', name: 'p', namespace: 'x' }, requestReceivedTimestamp: 'yesterday', stageTimestamp: 12, user: { username: 7, groups: 'g' } },
  ],
});

function abuses(l: Listener, r: Running): Abuse[] {
  const raw = rawAbuse.map((a) => ({ name: a.name, send: () => rawSend(l.port, a.bytes()) }));
  const base = `http://127.0.0.1:${l.port}`;
  const webhook = `${base}/audit/f-${r.runtime.name}`;
  const specific: Record<string, Abuse[]> = {
    webhook: [
      { name: 'invalid JSON', send: post(webhook, '{"kind":') },
      { name: 'not an EventList', send: post(webhook, '{"kind":"Pod"}') },
      { name: 'items of wrong types', send: post(webhook, '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[7,null]}') },
      { name: 'fields of wrong types', send: post(webhook, oddEvents) },
      { name: `body over ${maxBodyBytes >> 20} MiB`, send: post(webhook, Buffer.alloc(2 * maxBodyBytes, 'a')) },
      { name: 'JSON nested 100k deep', send: post(webhook, '['.repeat(100_000) + ']'.repeat(100_000)) },
      { name: 'GET', send: get(webhook) },
    ],
    metrics: [
      { name: 'POST 2 MiB', send: post(`${base}/metrics`, Buffer.alloc(2 << 20, 'a')) },
      { name: '100 KiB query', send: get(`${base}/metrics?${'a'.repeat(100 << 10)}`) },
    ],
    'plugin /redirect': [
      { name: 'no parameters', send: get(`${base}/redirect`) },
      { name: 'bad ts and encoding', send: get(`${base}/redirect?cluster=%ZZ&resource=pods&name=x&ts=yesterday`) },
      { name: '100 KiB name', send: get(`${base}/redirect?cluster=f&resource=pods&namespace=d&name=${'a'.repeat(100 << 10)}&ts=${new Date().toISOString()}`) },
      { name: 'POST 2 MiB', send: post(`${base}/redirect`, Buffer.alloc(2 << 20, 'a')) },
    ],
    'plugin gRPC': [
      { name: 'FindTraceIDs random bytes', send: async () => `grpc ${await grpcUnary(l.port, '/jaeger.storage.v2.TraceReader/FindTraceIDs', randomBytes(4096))}` },
      { name: 'GetServices 8 MiB', send: async () => `grpc ${await grpcUnary(l.port, '/jaeger.storage.v2.TraceReader/GetServices', randomBytes(8 << 20))}` },
      { name: 'unknown method', send: async () => `grpc ${await grpcUnary(l.port, '/jaeger.storage.v2.TraceReader/Nope', Buffer.alloc(0))}` },
    ],
  };
  return [...raw, ...(specific[l.name] ?? [])];
}

/** Each abuse, then the good request; a good request not served is a failure. */
async function abuseAll(r: Running): Promise<void> {
  for (const l of listeners(r)) {
    let ok = 0;
    const answers: string[] = [];
    const list = abuses(l, r);
    for (const a of list) {
      const answer = await a.send();
      answers.push(`${a.name}→${answer}`);
      if (await l.good()) ok++;
      else r.failures.push(`${l.name}: a good request was not served right after "${a.name}" (answered ${answer})`);
    }
    r.notes.push(`${l.name}: good request served after ${ok}/${list.length} abuses (${answers.join(', ')})`);
  }
}

export const malformed = (ctx: SuiteContext): Promise<Row> => loadedRun(ctx, { name: 'malformed', configure: withPlugin(ctx), fault: abuseAll });
