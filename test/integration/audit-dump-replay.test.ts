/**
 * Audit dump and `kelemetry replay` on real servers: the environment's kube-apiserver posts its audit events
 * to a consumer that dumps them (audit.dump.file) while kubectl changes a Deployment; then the real
 * `kelemetry replay` command posts the dump to a fresh consumer (its own span cache), which must write the
 * same traces: the same audit spans (by audit ID, title and object) under the same object spans.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type RunningApp } from '../../app/app.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const exec = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'kelemetry-dump-'));
const dumpFile = join(dir, 'audit.jsonl');
const name = `dump-${randomBytes(3).toString('hex')}`;
const kubectl = (...args: string[]) => exec(env.binaries.kubectl, ['--kubeconfig', env.kube.kubeconfig, '-n', 'default', ...args]);

/** Keeps every exported span (the SDK's InMemorySpanExporter forgets them on shutdown). */
function collector(): SpanExporter & { spans: ReadableSpan[] } {
  const spans: ReadableSpan[] = [];
  return {
    spans,
    export: (batch, done) => {
      spans.push(...batch);
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
}

function consumer(dump: boolean, exporter: SpanExporter, port: number): Promise<RunningApp> {
  const config = parseConfig({
    clusters: [{ name: env.kube.clusterName }],
    tracer: { otlpEndpoint: 'unused:4317', scheduledDelay: '100ms' },
    audit: { ...(dump ? { dump: { file: dumpFile, flushInterval: '100ms' } } : {}), webhook: { trustForwardedFor: true } },
    metrics: { listen: '127.0.0.1:0' },
  });
  return startApp({ config, exporter, logger: createLogger({ level: 'warn' }), auditListen: { host: '127.0.0.1', port } });
}

/** Audit spans by audit ID: title, object, and the name of the object span they hang under. */
function auditView(spans: ReadableSpan[]): Map<string, string> {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const out = new Map<string, string>();
  for (const s of spans) {
    const a = s.attributes;
    if (a['zzz-traceSource'] !== 'audit') continue;
    const parent = byId.get(s.parentSpanContext?.spanId ?? '');
    out.set(String(a.auditId), `${s.name} | ${String(a.resource)}/${String(a.namespace)}/${String(a.name)} | under ${parent?.name} ${parent?.startTime.join('.')}`);
  }
  return out;
}

let original: ReturnType<typeof collector>;
let replayed: ReturnType<typeof collector>;

beforeAll(async () => {
  original = collector();
  const a = await consumer(true, original, env.auditReceiverPort);
  try {
    await kubectl('create', 'deployment', name, '--image=registry.k8s.io/pause:3.9', '--replicas=1');
    await kubectl('scale', 'deployment', name, '--replicas=2');
    await kubectl('delete', 'deployment', name);
    await waitFor('the delete audit span', () => original.spans.some((s) => s.name === 'kelemetry-admin delete' && s.attributes.name === name), { timeoutMs: 30_000 });
  } finally {
    await a.stop();
  }
  replayed = collector();
  const b = await consumer(false, replayed, 0);
  try {
    const { stdout } = await exec(process.execPath, ['bin/kelemetry.js', 'replay', dumpFile, '--webhook', b.audit!.url, '--batch', '50'], { cwd: repo });
    expect(stdout).toMatch(/^replayed \d+ audit events in \d+ batches/);
  } finally {
    await b.stop();
  }
}, 120_000);

afterAll(() => {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

describe('audit dump → kelemetry replay → a fresh consumer (real apiserver)', () => {
  it('dumps every received event as a JSON line with its cluster and apiserver address', () => {
    const lines = readFileSync(dumpFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.filter((l) => !(l.cluster === env.kube.clusterName && l.sourceAddr === '127.0.0.1' && l.kind === 'Event')).slice(0, 1)).toEqual([]);
    // Before filtering: Events and Leases, never traced, are dumped too.
    expect(lines.some((l) => ['events', 'leases'].includes((l.objectRef as { resource?: string } | undefined)?.resource ?? ''))).toBe(true);
  });

  it('the replayed consumer writes the same audit spans under the same object spans', () => {
    const want = auditView(original.spans);
    const got = auditView(replayed.spans);
    expect([...want.values()].some((v) => v.startsWith(`kelemetry-admin delete | deployments/default/${name}`))).toBe(true);
    expect(got).toEqual(want);
    const objects = (spans: ReadableSpan[]) => spans.filter((s) => s.attributes['zzz-pseudoType'] === 'object').map((s) => s.name).sort();
    expect(objects(replayed.spans)).toEqual(objects(original.spans));
    expect(replayed.spans.every((s) => s.attributes.apiserver === undefined || s.attributes.apiserver === '127.0.0.1')).toBe(true);
  });
});
