/**
 * The audit webhook is authenticated by default. Real servers: kube-apiserver (with controller-manager
 * and kwok) where the in-process operator generates the instance's token Secret; `kelemetry
 * audit-webhook-config` reading it back as an admin would; a `kelemetry run` consumer requiring that
 * token, bound where the environment's kube-apiserver posts its audit batches without one — so the
 * real apiserver's unauthenticated POSTs are refused (401) and counted, and a POST with the printed
 * kubeconfig's token is accepted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from '../../envtest/ports.ts';
import { MetricSet } from '../../runtime/diagnose/metricSet.ts';
import { scrapeUrl } from '../../runtime/diagnose/scrape.ts';
import { waitFor } from './helpers/wait.ts';
import { adminClient, applyInstance, children, createNamespace, deleteInstance, getInstance, installCrd, instanceDoc, runOperator, smallSpec } from './operator-support.ts';

const env = inject('env');
const client = adminClient(env);
const repo = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'kelemetry-auth-'));
const NAME = 'secured';

function kelemetry(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/kelemetry.js', ...args], { cwd: repo });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('authenticated audit webhook by default (real kube-apiserver)', () => {
  let op: ReturnType<typeof runOperator>;
  let ns: string;
  let consumer: ChildProcess | undefined;

  beforeAll(async () => {
    await installCrd(client);
    ns = await createNamespace(client, 'audit-auth');
    op = runOperator(env);
  });

  afterAll(async () => {
    consumer?.kill('SIGTERM');
    await deleteInstance(client, ns, NAME);
    await op?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates a per-instance token Secret and mounts it into the consumer as a file', async () => {
    await applyInstance(client, instanceDoc(NAME, ns, smallSpec()));
    const secret = await waitFor('the generated token Secret', () =>
      client.find<{ data: Record<string, string>; metadata: { ownerReferences?: { name: string }[] } }>(`/api/v1/namespaces/${ns}/secrets/${NAME}-audit-token`),
    );
    expect(Buffer.from(secret.data.token!, 'base64').toString()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secret.metadata.ownerReferences?.[0]?.name).toBe(NAME);
    const inst = await waitFor('status.auditWebhook.tokenSecretRef', async () => (await getInstance(client, ns, NAME))?.status?.auditWebhook?.tokenSecretRef && (await getInstance(client, ns, NAME)));
    expect(inst.status?.auditWebhook?.tokenSecretRef).toEqual({ name: `${NAME}-audit-token`, key: 'token' });
    const deployment = (await children(client, ns, NAME)).find((o) => o.kind === 'Deployment' && o.metadata.name === `${NAME}-consumer`) as unknown as {
      spec: { template: { spec: { volumes: { secret?: { secretName: string } }[]; containers: { env?: { valueFrom?: { secretKeyRef?: unknown } }[] }[] } } };
    };
    expect(deployment.spec.template.spec.volumes.map((v) => v.secret?.secretName)).toContain(`${NAME}-audit-token`);
    expect(deployment.spec.template.spec.containers[0]!.env?.some((e) => e.valueFrom?.secretKeyRef)).toBe(false);
  });

  it('`kelemetry audit-webhook-config` prints a kubeconfig with the token; the consumer refuses the apiserver without it (401, counted) and accepts it', async () => {
    const webhook = `http://127.0.0.1:${env.auditReceiverPort}`;
    // kube-apiserver sends bearer tokens over TLS only: a token over plain HTTP is refused with what to do.
    const plain = await kelemetry(['audit-webhook-config', '--instance', `${ns}/${NAME}`, '--kubeconfig', env.kube.kubeconfig, '--server', webhook]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('sends tokens over HTTPS only');
    const printed = await kelemetry(['audit-webhook-config', '--instance', `${ns}/${NAME}`, '--kubeconfig', env.kube.kubeconfig, '--server', webhook.replace('http:', 'https:')]);
    expect(printed.stderr).toContain('--audit-webhook-config-file');
    expect(printed.code).toBe(0);
    const kubeconfig = parse(printed.stdout) as { clusters: { cluster: { server: string } }[]; users: { user: { token: string } }[] };
    const secret = await client.get<{ data: Record<string, string> }>(`/api/v1/namespaces/${ns}/secrets/${NAME}-audit-token`);
    const token = kubeconfig.users[0]!.user.token;
    expect(token).toBe(Buffer.from(secret.data.token!, 'base64').toString());
    expect(kubeconfig.clusters[0]!.cluster.server).toBe(`${webhook.replace('http:', 'https:')}/audit/tracetest`);

    // The consumer as the operator configures it: the token read from a file.
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, token);
    const metricsPort = await freePort();
    const config = join(dir, 'consumer.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        clusters: [{ name: env.kube.clusterName, kubeconfig: env.kube.kubeconfig }],
        tracer: { otlpEndpoint: env.jaeger.storage.otlpGrpc },
        audit: { webhook: { listen: `127.0.0.1:${env.auditReceiverPort}`, bearerTokenFile: tokenFile }, queue: { partitions: 1 } },
        metrics: { listen: `127.0.0.1:${metricsPort}` },
      }),
    );
    consumer = spawn(process.execPath, ['bin/kelemetry.js', 'run', '--config', config], { cwd: repo, stdio: 'ignore' });
    const metrics = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitFor('the consumer to be ready', async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status === 200, { timeoutMs: 30_000 });

    // The environment's apiserver posts every write's audit batch here, without a token.
    await client.create(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'poke' } });
    const rejected = await waitFor('the apiserver batches to be refused and counted', async () => {
      const set = new MetricSet([await scrapeUrl(metrics, 2000)]);
      const n = set.increase('audit_webhook_rejected_total', { reason: 'unauthenticated' });
      return n > 0 ? n : false;
    }, { timeoutMs: 20_000 });
    expect(rejected).toBeGreaterThan(0);

    const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] });
    // This consumer serves plain HTTP (the point here is the token check).
    const without = await fetch(`${webhook}/audit/tracetest`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(without.status).toBe(401);
    const withToken = await fetch(`${webhook}/audit/tracetest`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
    expect(withToken.status).toBe(200);
  }, 60_000);
});
