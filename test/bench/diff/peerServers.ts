/**
 * `npm run bench -- diff --peer upstream`: the two diff controllers as server processes with equivalent settings,
 * each alone in its process (no audit pipeline, no event informer, no linkers), on the same kube-apiserver, writing
 * to the same etcd under a prefix of their own. What makes them equivalent:
 *
 *   this project (config)                        original (flags)
 *   informers.diffController.enabled             --diff-controller-enable
 *   leaderElection.enabled: false                --diff-controller-leader-election-enable=false
 *                                                --diff-controller-leader-election-num-leaders=1 (without
 *                                                election every "leader" slot runs its own set of watches)
 *   writerElection.enabled: false                --diff-writer-leader-election-enable=false (always the writer)
 *   workerCount: 8 (default)                     --diff-controller-worker-count=8 (default)
 *   diffCache.backend: etcd, prefix P            --diff-cache=etcd --diff-cache-etcd-prefix=P
 *   patchTtl / snapshotTtl 10m (default)         --diff-cache-patch-ttl / -snapshot-ttl 10m (default)
 *   stores.etcd.endpoints                        --diff-cache-etcd-endpoints
 *   excludeResources events, leases (default)    --filter-exclude-types (default: events and leases too)
 *   stripManagedFields: false (ours' default is   (always keeps the whole object, managedFields included)
 *   true; --ours-strip-managed-fields)
 *   no client-side rate limit                    --kube-target-rest-qps=1000 --kube-target-rest-burst=1000
 *                                                (default 10/s only slows its discovery and LIST start)
 *   heap after forced GC: --expose-gc and        --pprof-enable: HeapAlloc of /debug/pprof/heap?gc=1&debug=1
 *   peerHeapProbe.js (on SIGUSR2)
 *   metrics on                                   --metrics=prom
 *   KELEMETRY_LOG_LEVEL=warn                     --log-level=warning
 *
 * Not equal (no setting on either side): ours lists in pages of 500 while the original lists from the watch cache in one
 * response (resourceVersion=0); ours attaches patches to a lease shared per time bucket, the original grants a
 * lease per patch (two etcd calls per diff); Node's V8 heap versus Go's GC (GOGC=100).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../envtest/ports.ts';
import { startLogged } from '../common/process.ts';
import { sleep } from '../../../runtime/util/sleep.ts';
import type { Side } from '../audit/peer/servers.ts';

export type { Side };

export interface DiffServer {
  side: Side;
  pid: number;
  logFile: string;
  /** The heap still referenced after a forced GC, in bytes: V8 heapUsed (ours), Go HeapAlloc (original). */
  heapBytes(): Promise<number>;
  stop(): Promise<void>;
}

export interface DiffServerSettings {
  /** This project's CLI entry (compiled by the audit bench's oursEntry). */
  oursEntry: string;
  upstreamBinary: string;
  cluster: string;
  kubeconfig: string;
  etcdEndpoint: string;
  /** Scratch folder for configs and logs. */
  dir: string;
  /** Ours drops managedFields (as shipped) rather than keeping them like the original. */
  stripManagedFields: boolean;
}

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const heapProbe = join(import.meta.dirname, 'peerHeapProbe.js');


async function fetchText(url: string, what: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${what}: ${url} answered ${res.status}`);
  return res.text();
}

async function startOurs(s: DiffServerSettings, prefix: string): Promise<DiffServer> {
  const metricsPort = await freePort();
  const config = {
    clusters: [{ name: s.cluster, kubeconfig: s.kubeconfig }],
    // The diff controller alone: no audit webhook or consumer (so no tracer either).
    audit: { webhook: { enabled: false }, consumer: { enabled: false } },
    metrics: { listen: `127.0.0.1:${metricsPort}` },
    stores: { etcd: { endpoints: [s.etcdEndpoint] } },
    informers: {
      diffController: { enabled: true, stripManagedFields: s.stripManagedFields, leaderElection: { enabled: false }, writerElection: { enabled: false } },
      diffCache: { backend: 'etcd', prefix },
    },
  };
  const file = join(s.dir, `ours-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(config));
  const heapFile = join(s.dir, `ours-heap-${Date.now()}.json`);
  const args = ['--expose-gc', '--import', heapProbe, s.oursEntry, 'run', '--config', file];
  const p = startLogged('ours', process.execPath, args, { dir: s.dir, cwd: repoRoot, env: { KELEMETRY_LOG_LEVEL: 'warn', KELEMETRY_BENCH_HEAP_FILE: heapFile } });
  return { side: 'ours', ...p, heapBytes: () => oursHeapAfterGc(p.pid, heapFile) };
}

/** Signals peerHeapProbe.js in our process and waits for its answer: heapUsed after forced GCs. */
async function oursHeapAfterGc(pid: number, heapFile: string): Promise<number> {
  const asked = Date.now();
  process.kill(pid, 'SIGUSR2');
  for (const deadline = asked + 30_000; Date.now() < deadline; await sleep(200)) {
    if (!existsSync(heapFile)) continue;
    const m = JSON.parse(readFileSync(heapFile, 'utf8')) as { at: number; heapUsed: number };
    if (m.at >= asked) return m.heapUsed;
  }
  throw new Error(`ours: no heap figure in ${heapFile} 30 s after SIGUSR2 (pid ${pid})`);
}

async function startUpstream(s: DiffServerSettings, prefix: string): Promise<DiffServer> {
  const [httpPort, metricsPort, pprofPort] = [await freePort(), await freePort(), await freePort()];
  const args = [
    '--log-level=warning',
    '--http-address=127.0.0.1',
    `--http-port=${httpPort}`,
    '--metrics=prom',
    '--metrics-address=127.0.0.1',
    `--metrics-port=${metricsPort}`,
    '--pprof-enable',
    `--pprof-addr=127.0.0.1:${pprofPort}`,
    '--diff-controller-enable',
    '--diff-controller-leader-election-enable=false',
    '--diff-controller-leader-election-num-leaders=1',
    '--diff-writer-leader-election-enable=false',
    '--diff-controller-worker-count=8',
    '--diff-cache=etcd',
    `--diff-cache-etcd-endpoints=${s.etcdEndpoint}`,
    `--diff-cache-etcd-prefix=${prefix}`,
    '--linker-worker-count=0',
    `--kube-target-cluster=${s.cluster}`,
    `--kube-config-paths=${s.cluster}=${s.kubeconfig}`,
    '--kube-target-rest-qps=1000',
    '--kube-target-rest-burst=1000',
  ];
  const p = startLogged('upstream', s.upstreamBinary, args, { dir: s.dir, cwd: repoRoot, env: { GIN_MODE: 'release' } });
  return {
    side: 'upstream',
    ...p,
    async heapBytes() {
      // gc=1 collects first; debug=1 appends runtime.MemStats, whose HeapAlloc is the live heap after it.
      const text = await fetchText(`http://127.0.0.1:${pprofPort}/debug/pprof/heap?gc=1&debug=1`, 'original pprof');
      const m = /^# HeapAlloc = (\d+)$/m.exec(text);
      if (!m) throw new Error('original pprof: no HeapAlloc in /debug/pprof/heap');
      return Number(m[1]);
    },
  };
}

export function startDiffServer(side: Side, s: DiffServerSettings, prefix: string): Promise<DiffServer> {
  return side === 'ours' ? startOurs(s, prefix) : startUpstream(s, prefix);
}
