/** The benchmark's objects: N labelled ConfigMaps in a namespace of their own, created once and reused. */
import type { KubeRest } from '../../../runtime/k8s/rest.ts';
import { sleep } from '../../../runtime/util/sleep.ts';
import { forEachParallel, runWorkers } from '../common/workers.ts';

const creators = 32;

export async function ensureConfigMaps(rest: KubeRest, ns: string, n: number): Promise<void> {
  await rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } }).catch((err: unknown) => {
    if (!String(err).includes('AlreadyExists')) throw err;
  });
  const existing = await rest.request<{ items: unknown[] }>({ path: `/api/v1/namespaces/${ns}/configmaps`, query: { labelSelector: 'bench=diff' } });
  const have = existing.items.length;
  const t0 = Date.now();
  await forEachParallel(Math.max(0, n - have), creators, async (i) => {
    const idx = have + i;
    await rest.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: { metadata: { name: `cm-${idx}`, labels: { bench: 'diff' } }, data: { index: String(idx), payload: 'x'.repeat(200), counter: '0' } },
    });
  });
  console.error(`  ${ns}: ${n - have} ConfigMaps created in ${((Date.now() - t0) / 1000).toFixed(1)} s (had ${have})`);
}

/** Average JSON size of a ConfigMap as the controller stores it (managedFields dropped), from a sample. */
export async function storedSize(rest: KubeRest, ns: string): Promise<number> {
  const sample = await rest.request<{ items: Array<{ metadata: Record<string, unknown> }> }>({ path: `/api/v1/namespaces/${ns}/configmaps`, query: { limit: 50 } });
  const sizes = sample.items.map((it) => {
    delete it.metadata.managedFields;
    return JSON.stringify(it).length;
  });
  return Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length);
}

/**
 * Patches random ConfigMaps from `concurrency` clients until `seconds` have passed; the number of updates.
 * With `rate` (updates/s), the clients take turns on a fixed schedule instead of going as fast as they can,
 * so two runs put the same load on the apiserver.
 */
export async function churn(rest: KubeRest, ns: string, n: number, seconds: number, concurrency: number, rate?: number): Promise<number> {
  let updates = 0;
  const start = Date.now();
  const end = start + seconds * 1000;
  let slot = 0;
  await runWorkers(concurrency, async () => {
    while (Date.now() < end) {
      if (rate) {
        const at = start + (slot++ * 1000) / rate;
        if (at >= end) return;
        await sleep(at - Date.now());
      }
      const i = Math.floor(Math.random() * n);
      await rest.request({ method: 'PATCH', path: `/api/v1/namespaces/${ns}/configmaps/cm-${i}`, body: { data: { counter: String(Date.now()) } }, contentType: 'application/merge-patch+json' });
      updates++;
    }
  });
  return updates;
}
