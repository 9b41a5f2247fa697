/**
 * One peer measurement: a diff controller process (ours or the original) over the N ConfigMaps. Both are observed
 * from outside alike: synced once a probe ConfigMap's update shows up as a patch in etcd (the ConfigMap watch is
 * running, so its initial LIST is in the store); memory from /proc (RSS) and the process's own heap figure;
 * diffs/s from the patch keys that appear under the run's etcd prefix during the churn.
 */
import { readFileSync } from 'node:fs';
import type { Etcd3 } from 'etcd3';
import type { KubeRest } from '../../../runtime/k8s/rest.ts';
import { sleep } from '../../../runtime/util/sleep.ts';
import { sampleProcess } from '../audit/peer/procUsage.ts';
import { settle } from '../common/settle.ts';
import { churn } from './configMaps.ts';
import { startDiffServer, type DiffServerSettings, type Side } from './peerServers.ts';

export interface PeerResult {
  side: Side;
  n: number;
  /** Start of the process until the probe's patch was stored. */
  syncSeconds: number;
  /** RSS with the controller synced, before the churn. */
  syncedRss: number;
  /** V8 heap used (ours) or Go heap after a forced GC (original), synced. */
  syncedHeap: number;
  /** Peak RSS of the process over its life (the initial LIST, the churn and its drain). */
  peakRss: number;
  updates: number;
  diffs: number;
  diffsPerSecond: number;
  /** The process's CPU time over the churn and drain. */
  cpuSeconds: number;
}

export interface PeerRun {
  rest: KubeRest;
  etcd: Etcd3;
  settings: DiffServerSettings;
  ns: string;
  n: number;
  churnSeconds: number;
  concurrency: number;
  rate?: number | undefined;
}

export const probeNamespace = 'bench-diff-probe';
const syncTimeoutMs = 30 * 60_000;

/** Patch keys stored under `prefix` for objects of namespace `ns` (both implementations use `…/<ns>/<name>/newRv/<rv>`). */
async function patchKeys(etcd: Etcd3, prefix: string, ns: string): Promise<number> {
  const keys = await etcd.getAll().prefix(prefix).keys();
  return keys.filter((k) => k.includes(`/${ns}/`) && k.includes('/newRv/')).length;
}

export async function ensureProbe(rest: KubeRest): Promise<void> {
  const ignoreExists = (err: unknown) => {
    if (!String(err).includes('AlreadyExists')) throw err;
  };
  await rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: probeNamespace } } }).catch(ignoreExists);
  await rest.request({ method: 'POST', path: `/api/v1/namespaces/${probeNamespace}/configmaps`, body: { metadata: { name: 'probe' }, data: { at: '0' } } }).catch(ignoreExists);
}

/** Updates the probe each second until its patch is in etcd under `prefix`. */
async function waitSynced(run: PeerRun, prefix: string, alive: () => void): Promise<void> {
  const deadline = Date.now() + syncTimeoutMs;
  while ((await patchKeys(run.etcd, prefix, probeNamespace)) === 0) {
    alive();
    if (Date.now() > deadline) throw new Error(`diff bench: no probe patch under ${prefix} after ${syncTimeoutMs / 60_000} min`);
    const body = { data: { at: String(Date.now()) } };
    await run.rest.request({ method: 'PATCH', path: `/api/v1/namespaces/${probeNamespace}/configmaps/probe`, body, contentType: 'application/merge-patch+json' });
    await sleep(1000);
  }
}

function checkAlive(pid: number, side: Side, logFile: string): void {
  try {
    process.kill(pid, 0);
  } catch {
    throw new Error(`diff bench: the ${side} process exited; see ${logFile}`);
  }
}

export async function runPeerOnce(side: Side, run: PeerRun): Promise<PeerResult> {
  const prefix = `/bench-diff-peer/${Date.now()}-${side}-${run.n}/`;
  const t0 = Date.now();
  const server = await startDiffServer(side, run.settings, prefix);
  try {
    const alive = () => checkAlive(server.pid, side, server.logFile);
    await waitSynced(run, prefix, alive);
    const syncSeconds = (Date.now() - t0) / 1000;
    await sleep(3000); // let the list's garbage go before reading memory
    const syncedRss = rssOf(server.pid);
    const syncedHeap = await server.heapBytes();

    const usage = sampleProcess(server.pid);
    const tChurn = Date.now();
    const updates = await churn(run.rest, run.ns, run.n, run.churnSeconds, run.concurrency, run.rate);
    let diffs = 0;
    let lastAt = Date.now();
    await settle({
      done: () => diffs >= updates,
      progress: () => diffs,
      idleMs: 3000,
      pollMs: 500,
      nudge: async () => {
        const now = await patchKeys(run.etcd, prefix, run.ns);
        if (now !== diffs) lastAt = Date.now();
        diffs = now;
      },
    });
    const used = usage.stop();
    alive();
    return { side, n: run.n, syncSeconds, syncedRss, syncedHeap, peakRss: used.peakRss, updates, diffs, diffsPerSecond: diffs / ((lastAt - tChurn) / 1000), cpuSeconds: used.cpuSeconds };
  } finally {
    await server.stop();
    await run.etcd.delete().prefix(prefix);
  }
}

/** The current RSS of `pid` (not the high-water mark, which the initial LIST set). */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
