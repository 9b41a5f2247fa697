import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { applyOverride } from './run.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kelemetry.js');
const dir = mkdtempSync(join(tmpdir(), 'kelemetry-run-'));
const run = promisify(execFile);

/** POSTs with node:http (fetch hides the Connection header), resolving the status and that header. */
function postJson(url: string, body: string): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, agent: new Agent({ keepAlive: true }) }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('kelemetry run', () => {
  it('exits 2 with the message naming the bad field', async () => {
    const bad = file('bad.yaml', 'clusters: [{name: Bad_Name}]\naudit: {}\n');
    const err = (await run(process.execPath, [bin, 'run', '--config', bad]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain(`invalid configuration in ${bad}`);
    expect(err.stderr).toContain('clusters.0.name: cluster names are DNS labels');
    expect(err.stderr).toContain('tracer: audit.consumer is enabled: set tracer.otlpEndpoint');
  }, 30_000); // a CLI start through tsx takes seconds on a loaded machine

  it('starts the configured components, serves /readyz, and stops cleanly on SIGTERM', async () => {
    const good = file('good.yaml', ['clusters: [{name: c1}]', 'tracer: {otlpEndpoint: "127.0.0.1:1"}', 'audit: {webhook: {listen: "127.0.0.1:0"}}', 'metrics: {listen: "127.0.0.1:0"}'].join('\n'));
    const child = spawn(process.execPath, [bin, 'run', '--config', good, '--set', 'audit.queue.partitions=2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!stderr.includes('startup complete') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const line = JSON.parse(stderr.split('\n').find((l) => l.includes('startup complete'))!) as { metrics: string; audit: string };
    expect((await fetch(`${line.metrics}/readyz`)).status).toBe(200);
    expect((await fetch(`${line.audit}/audit/c1`, { method: 'POST', body: '{}' })).status).toBe(400);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(stderr).toMatch(/"msg":"stopped".*"component":"audit"/);
  }, 30_000);

  it('with --shutdown-delay, keeps accepting after SIGTERM while not ready, and closes each connection after its response', async () => {
    const good = file('delay.yaml', ['clusters: [{name: c1}]', 'tracer: {otlpEndpoint: "127.0.0.1:1"}', 'audit: {webhook: {listen: "127.0.0.1:0"}}', 'metrics: {listen: "127.0.0.1:0"}'].join('\n'));
    const child = spawn(process.execPath, [bin, 'run', '--config', good, '--shutdown-delay', '3'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const waitLog = async (text: string) => {
      const deadline = Date.now() + 20_000;
      while (!stderr.includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return stderr.split('\n').find((l) => l.includes(text))!;
    };
    const line = JSON.parse(await waitLog('startup complete')) as { metrics: string; audit: string };
    const post = () => postJson(`${line.audit}/audit/c1`, '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}');
    expect((await post()).connection).toBe('keep-alive');
    const sent = Date.now();
    child.kill('SIGTERM');
    await waitLog('terminating');
    expect((await fetch(`${line.metrics}/readyz`)).status).toBe(503);
    const during = await post();
    expect(during).toEqual({ status: 200, connection: 'close' });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(3000);
  }, 30_000);

  it('starts the storage plugin when config.plugin is set', async () => {
    const cfg = file('plugin.yaml', ['clusters: [{name: c1}]', 'metrics: {listen: "127.0.0.1:0"}', 'plugin: {grpcListen: "127.0.0.1:0", backend: {remoteStorage: "127.0.0.1:1"}}'].join('\n'));
    const child = spawn(process.execPath, [bin, 'run', '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!stderr.includes('startup complete') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain('storage plugin started');
    child.kill('SIGTERM');
    expect(await new Promise<number | null>((r) => child.on('exit', r))).toBe(0);
  }, 30_000);

  it('applies --set overrides as YAML values', () => {
    const doc: Record<string, unknown> = { audit: { queue: { partitions: 1 } } };
    applyOverride(doc, 'audit.queue.partitions=16');
    applyOverride(doc, 'tracer.otlpEndpoint=collector:4317');
    expect(doc).toEqual({ audit: { queue: { partitions: 16 } }, tracer: { otlpEndpoint: 'collector:4317' } });
  });
});
