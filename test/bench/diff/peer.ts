/**
 * `npm run bench -- diff --peer upstream`: this project's diff controller and the original Kelemetry's
 * (github.com/kubewharf/kelemetry v0.2.7), each alone in a server process with equivalent settings (peerServers.ts),
 * on the same kube-apiserver and ConfigMaps and the same etcd, alternating which goes first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import type { EnvironmentInfo } from '../../../envtest/environment.ts';
import { ensureUpstreamKelemetry } from '../../../envtest/tools.ts';
import type { KubeRest } from '../../../runtime/k8s/rest.ts';
import { oursEntry } from '../audit/peer/servers.ts';
import { ensureConfigMaps } from './configMaps.ts';
import type { Options } from './options.ts';
import { ensureProbe, runPeerOnce, type PeerResult } from './peerMeasure.ts';
import type { Side } from './peerServers.ts';

const log = (msg: string) => console.error(msg);

export async function runPeer(opts: Options, env: EnvironmentInfo, rest: KubeRest, etcd: Etcd3): Promise<PeerResult[]> {
  const upstreamBinary = await ensureUpstreamKelemetry(log);
  log('compiling this project (scripts/build.js)');
  const entry = await oursEntry(false);
  const dir = mkdtempSync(join(tmpdir(), 'kelemetry-bench-diff-peer-'));
  const settings = { oursEntry: entry, upstreamBinary, cluster: env.kube.clusterName, kubeconfig: env.kube.kubeconfig, etcdEndpoint: env.etcd.endpoint, dir, stripManagedFields: opts.oursStripManagedFields };
  await ensureProbe(rest);
  const results: PeerResult[] = [];
  let failed = true;
  try {
    for (const [i, n] of opts.sizes.entries()) {
      const ns = `bench-diff-${n}`;
      await ensureConfigMaps(rest, ns, n);
      for (let round = 0; round < opts.rounds; round++) {
        // Alternate which goes first, so drift in the machine's load falls on both.
        const order: Side[] = (i + round) % 2 === 0 ? ['ours', 'upstream'] : ['upstream', 'ours'];
        for (const side of order) {
          log(`  N=${n} round ${round + 1}/${opts.rounds} ${side}: start, sync, ${opts.churnSeconds} s of churn`);
          const t = Date.now();
          const r = await runPeerOnce(side, { rest, etcd, settings, ns, n, churnSeconds: opts.churnSeconds, concurrency: opts.concurrency, rate: opts.rate });
          results.push(r);
          log(`  -> ${JSON.stringify(r)} (${((Date.now() - t) / 1000).toFixed(0)} s)`);
        }
      }
    }
    failed = false;
  } finally {
    // Keep the servers' logs when something failed (the error names the file).
    if (!failed) rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
