/**
 * `kelemetry scan` against real running processes. Real servers: two `kelemetry run` child processes
 * (audit webhook → queue → consumer → aggregator → OTLP to the environment's Jaeger v2 collector) — one
 * bound where the environment's kube-apiserver sends its audit webhook, one on a port the apiserver
 * never posts to — plus the kube-apiserver itself (with controller-manager and kwok) for the Deployment
 * scenario and the pod listing of `scan --instance`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditFlowingProbe } from '../../runtime/diagnose/auditFlowing.ts';
import { MetricSet } from '../../runtime/diagnose/metricSet.ts';
import { scrapeUrl } from '../../runtime/diagnose/scrape.ts';
import { freePort } from '../../envtest/ports.ts';
import { createTestNamespace, demoDeployment, kubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const kube = kubeClients(env);
const repo = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'kelemetry-scan-'));
const children: ChildProcess[] = [];
let ns: string;
let healthy: { metrics: string };
let deaf: { metrics: string; webhook: string };

/** Starts `kelemetry run` with a config; resolves once /readyz answers 200. */
async function startRuntime(name: string, webhookPort: number): Promise<string> {
  const metricsPort = await freePort();
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      clusters: [{ name: env.kube.clusterName, kubeconfig: env.kube.kubeconfig }],
      tracer: { otlpEndpoint: env.jaeger.storage.otlpGrpc, scheduledDelay: '100ms' },
      audit: { webhook: { listen: `127.0.0.1:${webhookPort}` }, queue: { partitions: 2 } },
      metrics: { listen: `127.0.0.1:${metricsPort}` },
      kelemetrix: { metrics: [{ name: 'scan_test_requests', quantifier: 'request_count', tags: ['verb'] }] },
    }),
  );
  const child = spawn(process.execPath, ['bin/kelemetry.js', 'run', '--config', file], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const base = `http://127.0.0.1:${metricsPort}`;
  await waitFor(
    `kelemetry run (${name}) to be ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr}`);
      return (await fetch(`${base}/readyz`)).status === 200;
    },
    { timeoutMs: 30_000 },
  );
  return `${base}/metrics`;
}

/** Runs `kelemetry scan` as a user would. */
function scan(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/kelemetry.js', 'scan', ...args], { cwd: repo });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

beforeAll(async () => {
  const deafPort = await freePort();
  healthy = { metrics: await startRuntime('healthy', env.auditReceiverPort) };
  deaf = { metrics: await startRuntime('deaf', deafPort), webhook: `http://127.0.0.1:${deafPort}/audit/${env.kube.clusterName}` };

  ns = await createTestNamespace(kube.core, 'scan');
  await kube.apps.createNamespacedDeployment({ namespace: ns, body: demoDeployment('scan-demo', 2) });
  await waitFor('2 ready replicas', async () => (await kube.apps.readNamespacedDeployment({ name: 'scan-demo', namespace: ns })).status?.readyReplicas === 2);
  await kube.apps.deleteNamespacedDeployment({ name: 'scan-demo', namespace: ns });
  // Wait until the healthy runtime has turned audit events into exported spans.
  await waitFor(
    'audit spans exported by the healthy runtime',
    async () => {
      const set = new MetricSet([await scrapeUrl(healthy.metrics)]);
      return set.increase('audit_consumer_event_count', { hasTrace: 'true' }) > 0 && set.increase('tracer_spans_exported_total') > 0;
    },
    { timeoutMs: 30_000 },
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
  if (ns) await kube.core.deleteNamespace({ name: ns }).catch((err: unknown) => console.warn(`cleanup: deleting namespace ${ns}: ${(err as Error).message}`));
  rmSync(dir, { recursive: true, force: true });
});

describe('kelemetry scan --url', () => {
  it('reports all green for the runtime receiving audit events', async () => {
    const { code, out } = await scan('--url', healthy.metrics);
    expect(out).not.toContain('✗');
    expect(out).toMatch(/✓ received [1-9]\d* audit webhook requests since the processes started \([1-9]\d* accepted\)/);
    expect(out).toMatch(/✓ consumed \d+ audit events since the processes started: [1-9]\d* with a trace, \d+ without \(filtered\)/);
    expect(out).toMatch(/✓ sent [1-9]\d* event spans since the processes started, [1-9]\d* spans exported, 0 dropped/);
    expect(out).toContain('✓ 0 span cache errors, 0 diff cache errors');
    expect(out).toContain('healthy: no problems found');
    expect(code).toBe(0);
  });

  it('exports the audit-derived (kelemetrix) metric defined in its config, counted by verb', async () => {
    const set = new MetricSet([await scrapeUrl(healthy.metrics)]);
    expect(set.increase('scan_test_requests_count', { verb: 'create' })).toBeGreaterThan(0);
    expect(set.increase('scan_test_requests_count', { verb: 'delete' })).toBeGreaterThan(0);
    // The deaf runtime accepted nothing, so it observed nothing.
    const deafSet = new MetricSet([await scrapeUrl(deaf.metrics)]);
    expect(deafSet.increase('scan_test_requests_count')).toBe(0);
  });

  it('judges a window: requests keep arriving while objects change', async () => {
    // Change objects until the scan ends: its window starts only after the CLI's own start-up, which takes
    // seconds on a loaded machine, so one change at a fixed time may land before the window.
    let done = false;
    const running = scan('--url', healthy.metrics, '--window', '4s').finally(() => (done = true));
    for (let i = 0; !done; i++) {
      await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `during-window-${i}` }, data: { a: '1' } } });
      await new Promise((r) => setTimeout(r, 500));
    }
    const { code, out } = await running;
    expect(out).toMatch(/✓ received [1-9]\d* audit webhook requests in the last 4s/);
    expect(code).toBe(0);
  });

  it('names the missing audit events and the fix when the apiserver posts elsewhere', async () => {
    const { code, out } = await scan('--url', deaf.metrics, '--audit-endpoint', deaf.webhook);
    expect(out).toContain('✗ no audit requests received since the processes started');
    expect(out).toContain(`→ check kube-apiserver --audit-webhook-config-file points at ${deaf.webhook}`);
    expect(out).toContain('1 problem found');
    expect(code).toBe(1);

    const json = await scan('--url', deaf.metrics, '--window', '2s', '-o', 'json');
    const report = JSON.parse(json.out) as { healthy: boolean; findings: { id: string; ok: boolean; message: string }[] };
    expect(report.healthy).toBe(false);
    expect(report.findings.find((f) => f.id === 'auditRequests')).toMatchObject({ ok: false, message: 'no audit requests received in the last 2s' });
    expect(json.code).toBe(1);
  });

  it('reports an unreachable metrics endpoint as a problem', async () => {
    const url = `http://127.0.0.1:${await freePort()}/metrics`;
    const { code, out } = await scan('--url', url);
    expect(out).toContain(`✗ cannot read ${url}: scraping ${url}: connect ECONNREFUSED`);
    expect(code).toBe(1);
  });
});

describe('kelemetry scan --instance', () => {
  it('finds the instance pods by label and reports what it cannot read', async () => {
    const instance = 'scan-inst';
    await kube.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'scan-inst-consumer-0', labels: { 'app.kubernetes.io/part-of': 'kelemetry', 'kelemetry.io/instance': instance, 'app.kubernetes.io/component': 'consumer' } },
        spec: { containers: [{ name: 'kelemetry', image: 'kelemetry:test', ports: [{ name: 'metrics', containerPort: 9090 }] }] },
      },
    });
    // A pod of another instance must not be picked up.
    await kube.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'other-consumer-0', labels: { 'app.kubernetes.io/part-of': 'kelemetry', 'kelemetry.io/instance': 'other' } },
        spec: { containers: [{ name: 'kelemetry', image: 'kelemetry:test', ports: [{ name: 'metrics', containerPort: 9090 }] }] },
      },
    });
    const { code, out } = await scan('--instance', instance, '-n', ns, '--kubeconfig', env.kube.kubeconfig);
    expect(out).toContain(`kelemetry scan: 1 target\n  ${ns}/scan-inst-consumer-0:9090`);
    expect(out).not.toContain('other-consumer-0');
    // kwok pods have no real network: the apiserver's pod proxy cannot reach them, and scan says so.
    // kwok pods have no network: the apiserver refuses to proxy (400 "address not allowed" or 403
    // "resolve_deny", depending on the pod IP it resolved); scan must say so, naming the pod.
    expect(out).toMatch(new RegExp(`✗ cannot read ${ns}/scan-inst-consumer-0:9090: scraping ${ns}/scan-inst-consumer-0:9090 through the apiserver pod proxy: HTTP 40[03]: `));
    expect(out).toContain(`✗ KelemetryInstance ${ns}/${instance} not found`);
    expect(code).toBe(1);
  });

  it('says when an instance has no pods', async () => {
    const { code, out } = await scan('--instance', 'absent', '-n', ns, '--kubeconfig', env.kube.kubeconfig);
    expect(out).toContain(`✗ no pods with a metrics port found for KelemetryInstance ${ns}/absent`);
    expect(code).toBe(1);
  });
});

describe('AuditFlowing condition (the operator\'s status check)', () => {
  it('follows the audit flow of each instance over a window', async () => {
    // Pods are found by label on the real apiserver; kwok pods have no network, so each pod's metrics are
    // read from the runtime playing its part (the probe takes the scraper, e.g. direct pod-IP scraping in-cluster).
    const pod = (name: string, instance: string) =>
      kube.core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name, labels: { 'app.kubernetes.io/part-of': 'kelemetry', 'kelemetry.io/instance': instance, 'app.kubernetes.io/component': 'consumer' } },
          spec: { containers: [{ name: 'kelemetry', image: 'kelemetry:test', ports: [{ name: 'metrics', containerPort: 9090 }] }] },
        },
      });
    await pod('flowing-consumer-0', 'flowing');
    await pod('deaf-consumer-0', 'deaf');
    const scraper = (t: { pod: string }) => scrapeUrl(t.pod.startsWith('flowing') ? healthy.metrics : deaf.metrics);
    const flowing = new AuditFlowingProbe(kube.core, scraper, 2_000);
    const quiet = new AuditFlowingProbe(kube.core, scraper, 2_000);

    expect((await flowing.check({ namespace: ns, name: 'flowing' })).condition).toMatchObject({ type: 'AuditFlowing', status: 'True', reason: 'AuditEventsReceived' });
    expect((await quiet.check({ namespace: ns, name: 'deaf', auditEndpoint: deaf.webhook })).condition).toMatchObject({ status: 'Unknown', reason: 'Waiting' });

    await new Promise((r) => setTimeout(r, 1_000));
    await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'during-probe' }, data: { a: '1' } } });
    await new Promise((r) => setTimeout(r, 1_500));

    const ok = (await flowing.check({ namespace: ns, name: 'flowing' })).condition;
    expect(ok.status).toBe('True');
    expect(ok.message).toMatch(/^received [1-9]\d* audit webhook requests in the last [23]s/);
    const bad = (await quiet.check({ namespace: ns, name: 'deaf', auditEndpoint: deaf.webhook })).condition;
    expect(bad).toMatchObject({ status: 'False', reason: 'NoAuditRequests' });
    expect(bad.message).toMatch(/^no audit requests received in the last [23]s: check kube-apiserver --audit-webhook-config-file points at /);
    expect(bad.message).toContain(deaf.webhook);
  });
});
