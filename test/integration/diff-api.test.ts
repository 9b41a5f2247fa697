/**
 * The diff debug API (spec 7.8) of `kelemetry run` on real servers: the diff controller watches the
 * environment's kube-apiserver, a ConfigMap is changed, and the API lists the object's diff cache entries
 * and returns the patch stored for the new resourceVersion.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type RunningApp } from '../../app/app.ts';
import { parseConfig } from '../../runtime/config/load.ts';
import type { RunningDiffApi } from '../../runtime/diff/api.ts';
import { createLogger } from '../../runtime/util/log.ts';
import { createTestNamespace, kubeClients } from './helpers/kube.ts';
import { waitFor } from './helpers/wait.ts';

const env = inject('env');
const kube = kubeClients(env);
let app: RunningApp;
let base: string;
let ns: string;

beforeAll(async () => {
  ns = await createTestNamespace(kube.core, 'diffapi');
  const election = { namespace: ns, leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s' };
  const config = parseConfig({
    clusters: [{ name: env.kube.clusterName, kubeconfig: env.kube.kubeconfig }],
    informers: {
      diffController: { enabled: true, leaderElection: { ...election, name: 'diff-watch' }, writerElection: { ...election, name: 'diff-writer' } },
      eventController: { enabled: false },
      linkers: { workerCount: 0 },
      diffApi: { listen: '127.0.0.1:0' },
    },
    metrics: { listen: '127.0.0.1:0' },
  });
  app = await startApp({ config, logger: createLogger({ level: 'warn' }) });
  base = `http://127.0.0.1:${(app.components.find((c) => c.name === 'diff-api') as RunningDiffApi).port}`;
}, 60_000);

afterAll(async () => {
  await app?.stop();
});

describe('diff debug API (real apiserver, diff controller)', () => {
  it('lists the diff cache entries of a changed ConfigMap and returns the patch of its new resourceVersion', async () => {
    await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'watched' }, data: { color: 'red' } } });
    const updated = await waitFor('the diff controller to watch ConfigMaps', async () => {
      const cm = await kube.core.readNamespacedConfigMap({ name: 'watched', namespace: ns });
      const next = await kube.core.replaceNamespacedConfigMap({ name: 'watched', namespace: ns, body: { ...cm, data: { color: cm.data?.color === 'red' ? 'blue' : 'red' } } });
      await new Promise((r) => setTimeout(r, 1000));
      const keys = (await (await fetch(`${base}/diff/_/v1/configmaps/${ns}/watched`)).json()) as string[];
      return keys.includes(next.metadata!.resourceVersion!) ? next : undefined;
    }, { timeoutMs: 45_000, intervalMs: 500 });
    const rv = updated.metadata!.resourceVersion!;
    const res = await fetch(`${base}/diff/core/v1/configmaps/${ns}/watched/${rv}`);
    expect(res.status).toBe(200);
    const patch = (await res.json()) as { NewResourceVersion: string; DiffList: { Diffs: { JsonPath: string; Old: unknown; New: unknown }[] } };
    expect(patch.NewResourceVersion).toBe(rv);
    expect(JSON.stringify(patch.DiffList)).toContain('data.color');
    expect((await fetch(`${base}/diff/_/v1/configmaps/${ns}/watched/1`)).status).toBe(404);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });
});
