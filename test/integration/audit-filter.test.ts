/**
 * Audit filtering a user sets, applied while the consumer runs (real kube-apiserver audit webhook, real
 * Jaeger v2 read back through remote storage): the static filter in the config file `kelemetry run` reads
 * (re-read without a restart, as the operator's mounted ConfigMap changes), and the dynamic filter
 * ConfigMap watched in the cluster (spec 5.6), including an invalid one (cleared, Warning Event).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { startApp, type RunningApp } from '../../app/app.ts';
import { loadRunConfig } from '../../cli/commands/run.ts';
import { windowStartMs } from '../../runtime/model/window.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { TraceReaderClient } from './audit-traces.ts';
import { createTestNamespace, kubeClients, type KubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const cluster = env.kube.clusterName;
const dir = mkdtempSync(join(tmpdir(), 'kelemetry-audit-filter-'));
const configFile = join(dir, 'consumer.yaml');
const startedMs = Date.now();
let app: RunningApp;
let reader: TraceReaderClient;
let kube: KubeClients;
let ns: string;

function writeConfig(excludeObjects: string[]): void {
  const doc = {
    clusters: [{ name: cluster, kubeconfig: env.kube.kubeconfig }],
    tracer: { otlpEndpoint: env.jaeger.storage.otlpGrpc, scheduledDelay: '100ms' },
    stores: { spanCache: { backend: 'memory' } },
    audit: {
      webhook: { listen: `127.0.0.1:${env.auditReceiverPort}` },
      filter: { excludeObjects, reloadInterval: '500ms', dynamic: { enabled: true, namespace: ns, name: 'kelemetry-filter-config' } },
    },
    metrics: { listen: '127.0.0.1:0' },
  };
  writeFileSync(configFile, stringify(doc));
}

const traced = async (resource: string, name: string) =>
  (await reader.findTraces('object', { cluster, resource, namespace: ns, name }, windowStartMs(startedMs) - 60_000, Date.now() + 60_000)).size > 0;

async function createConfigMap(name: string, data: Record<string, string> = {}): Promise<void> {
  await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data } });
}

/** Creates `name` and then a control ConfigMap; once the control is traced, tells whether `name` was. */
async function tracedAfterControl(create: () => Promise<void>, resource: string, name: string): Promise<boolean> {
  await create();
  const control = `control-${randomBytes(3).toString('hex')}`;
  await createConfigMap(control);
  await waitFor(`the control ConfigMap ${control} in Jaeger`, () => traced('configmaps', control), { timeoutMs: 30_000, intervalMs: 500 });
  return traced(resource, name);
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

beforeAll(async () => {
  kube = kubeClients(env);
  ns = await createTestNamespace(kube.core, 'filter');
  writeConfig([`/configmaps/${ns}/static-`]);
  app = await startApp({ config: loadRunConfig(configFile, []), logger: createLogger({ level: 'warn' }), reloadConfig: () => loadRunConfig(configFile, []) });
  reader = new TraceReaderClient(env.jaeger.storage.remoteStorage);
}, 60_000);

afterAll(async () => {
  reader?.close();
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('audit filter set by the user, applied without a restart (real apiserver, Jaeger v2)', () => {
  it('static filter: excluded objects are not traced, and an edited config file applies while running', async () => {
    expect(await tracedAfterControl(() => createConfigMap('static-1'), 'configmaps', 'static-1')).toBe(false);
    const before = await metric('audit_filter_reload_count', 'result="applied"');
    writeConfig([]);
    await waitFor('the reloaded filter', async () => (await metric('audit_filter_reload_count', 'result="applied"')) > before, { timeoutMs: 10_000 });
    expect(await tracedAfterControl(() => createConfigMap('static-2'), 'configmaps', 'static-2')).toBe(true);
  });

  it('dynamic filter ConfigMap: its rules apply as it is created, and an invalid one is cleared with a Warning Event', async () => {
    await createConfigMap('kelemetry-filter-config', { 'exclude-regex': `^/v1/configmaps/${ns}/dyn-`, 'exclude-resources': 'secrets\n# comments are ignored' });
    await waitFor('the dynamic filter applied', async () => (await metric('audit_dynamic_filter_update_count', 'result="applied"')) > 0, { timeoutMs: 10_000 });
    expect(await tracedAfterControl(() => createConfigMap('dyn-1'), 'configmaps', 'dyn-1')).toBe(false);
    const secret = () => kube.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'dyn-secret' }, stringData: { a: 'b' } } }).then(() => undefined);
    expect(await tracedAfterControl(secret, 'secrets', 'dyn-secret')).toBe(false);

    await kube.core.replaceNamespacedConfigMap({ name: 'kelemetry-filter-config', namespace: ns, body: { metadata: { name: 'kelemetry-filter-config' }, data: { 'exclude-users': '(' } } });
    const warning = await waitFor('the InvalidConfig Warning Event', async () => {
      const events = await kube.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=kelemetry-filter-config' });
      return events.items.find((e) => e.reason === 'InvalidConfig');
    }, { timeoutMs: 10_000 });
    expect(warning).toMatchObject({ type: 'Warning', source: { component: 'kelemetry-filter' } });
    expect(warning.message).toMatch(/invalid regular expression "\("/);
    expect(await tracedAfterControl(() => createConfigMap('dyn-2'), 'configmaps', 'dyn-2')).toBe(true);
  });
});
