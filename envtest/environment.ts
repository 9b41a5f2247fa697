/**
 * The whole test environment: etcd, Redis, a Kubernetes control plane with kwok, and Jaeger v2,
 * on free 127.0.0.1 ports with temp dirs; optionally a second cluster (envtest/cluster.ts) and a real node
 * (envtest/node) where pods really run. Used by vitest's global setup, `npm run env -- up`, and
 * the quickstart. Its servers die with the process that started it unless that process called
 * keepProcessesAfterExit() (process.ts).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startJaegerQuery, startJaegerStorage, type JaegerQueryInfo, type JaegerStorageInfo } from './jaeger.ts';
import { startCluster, type ClusterInfo } from './cluster.ts';
import { dnsServiceIp, startKube, type AuditWebhookTarget, type KubeInfo } from './kube.ts';
import { cleanUpRealNode, prepareRealNode, startRealNode, stopRealNode, sweepStaleNode, type RealNodeInfo } from './node/realNode.ts';
import { nodeIp } from './node/host.ts';
import { formatDuration, stderrLogger, type Logger } from './log.ts';
import { createPki } from './pki.ts';
import { freePort } from './ports.ts';
import { closeProcessStarts, isAlive, processesDieWithStarter, startedProcesses, stopProcess, type ProcessRecord } from './process.ts';
import { startEtcd, startRedis, type EtcdInfo, type RedisInfo } from './stores.ts';
import { createTempDirs, removeOrphanedTempDirs, removeTempDirs } from './tempDirs.ts';
import { ensureBinaries, ensureNodeBinaries, type Binaries } from './tools.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultStateFile = join(repoRoot, '.kelemetry', 'env.json');

export interface EnvironmentInfo {
  /** Temp folder holding configs, certificates and logs; removed by stop. */
  baseDir: string;
  logDir: string;
  /** etcd data dir (on tmpfs when available); removed by stop. */
  etcdDataDir: string;
  etcd: EtcdInfo;
  redis: RedisInfo;
  kube: KubeInfo;
  /** Port of the default audit webhook URL, for a receiver started later (the apiserver retries until one listens). */
  auditReceiverPort: number;
  jaeger: { storage: JaegerStorageInfo; query: JaegerQueryInfo };
  pki: { caCert: string; dir: string };
  binaries: Binaries;
  /** The further cluster, when asked for (`secondCluster`): its own control plane on the same etcd. */
  secondCluster?: ClusterInfo;
  /** The real node, when asked for (`realNode: true`); the kwok node (kube.nodeName) is always there. */
  realNode?: RealNodeInfo;
  processes: ProcessRecord[];
  startedAt: string;
  /** The process these servers die with (absent when detached): signal it to stop them in order. */
  ownerPid?: number;
}

export type EnvironmentFiles = Pick<EnvironmentInfo, 'processes' | 'baseDir' | 'etcdDataDir' | 'realNode'>;
/** Environments this process started and has not stopped (with the servers handed over so far). */
const owned = new Map<string, EnvironmentFiles>();

export interface EnvironmentOptions {
  /** Cluster name used in the default audit webhook path (/audit/<cluster>). */
  clusterName?: string;
  /** Where the apiserver sends audit events; default http://127.0.0.1:<free port>/audit/<cluster>. */
  auditWebhook?: AuditWebhookTarget;
  /** jaeger.storage.v2 server the query service reads; default remote storage itself (raw traces). */
  queryBackend?: string;
  /** Write the endpoints here as JSON (for scripts and people). */
  stateFile?: string;
  /**
   * Also start a real node (containerd, kubelet, kube-proxy, CoreDNS; one per machine). The apiserver then
   * listens on the node address instead of 127.0.0.1, so pods reach it.
   */
  realNode?: boolean;
  /**
   * With realNode: pods without a toleration land on the real node, as on a cluster someone installs into.
   * The kwok node is then tainted instead (kwokNodeTaint; fake pods tolerate it) and the real node is not.
   */
  podsOnRealNode?: boolean;
  /**
   * Also start a second cluster (envtest/cluster.ts): kube-apiserver on the same etcd under its own prefix,
   * controller-manager, scheduler, kwok. Its audit webhook posts to /audit/<name> on a port of its own, or with
   * sharedAuditReceiver on the first cluster's auditReceiverPort (one receiver for both).
   */
  secondCluster?: { name: string; sharedAuditReceiver?: boolean };
  log?: Logger;
}

export interface Environment {
  info: EnvironmentInfo;
  stop(): Promise<void>;
  /** Restarts the apiserver so it sends audit events to `target` (its webhook config is read at start-up only). */
  setAuditWebhook(target: AuditWebhookTarget): Promise<void>;
}

/** Starts everything; on any failure stops what already started and rethrows. */
export async function startEnvironment(opts: EnvironmentOptions = {}): Promise<Environment> {
  const log = opts.log ?? stderrLogger;
  const started = Date.now();
  const binaries = await ensureBinaries(log);
  const nodeBinaries = opts.realNode ? await ensureNodeBinaries(log) : undefined;
  // Before the temp dirs go: a killed real node's mounts live in them.
  await sweepStaleNode(log);
  for (const dir of removeOrphanedTempDirs()) log(`removed ${dir}, left by a starter that was killed`);
  const ownerPid = processesDieWithStarter() ? process.pid : undefined;
  const { baseDir, etcdDataDir } = createTempDirs(ownerPid);
  const logDir = join(baseDir, 'logs');
  mkdirSync(logDir);
  const processes: ProcessRecord[] = [];
  const files: EnvironmentFiles = { processes, baseDir, etcdDataDir };
  owned.set(baseDir, files);
  const stop = () => stopEnvironment(files, log);
  try {
    if (nodeBinaries) {
      const kubeconfig = join(baseDir, 'kube', 'admin.kubeconfig');
      files.realNode = await prepareRealNode({ binaries: nodeBinaries, kubectl: binaries.kubectl, kubeconfig, dnsServiceIp }, baseDir, log);
    }
    const kube = await startServers(opts, { binaries, baseDir, etcdDataDir, logDir, ownerPid, processes, log, realNode: files.realNode });
    const { info } = kube;
    writeState(opts.stateFile, info);
    log(`environment ready in ${formatDuration(Date.now() - started)}; logs in ${logDir}`);
    return {
      info,
      stop: async () => {
        await stop();
        if (opts.stateFile) rmSync(opts.stateFile, { force: true });
      },
      setAuditWebhook: async (target) => {
        const { stopped, started: apiserver } = await kube.setAuditWebhook(target);
        processes.splice(processes.indexOf(stopped), 1, apiserver);
        info.kube.auditWebhook = target;
        writeState(opts.stateFile, info);
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function writeState(stateFile: string | undefined, info: EnvironmentInfo): void {
  if (!stateFile) return;
  mkdirSync(dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify(info, null, 2) + '\n');
}

interface ServerContext {
  binaries: Binaries;
  baseDir: string;
  etcdDataDir: string;
  logDir: string;
  ownerPid: number | undefined;
  /** Filled as each server starts, so a failure part-way stops what is already up. */
  processes: ProcessRecord[];
  log: Logger;
  /** Prepared (locked, address up): started after the control plane. */
  realNode?: RealNodeInfo;
}

/** Starts the servers in dependency order: stores, Jaeger storage, the control plane, the real node, Jaeger query. */
async function startServers(
  opts: EnvironmentOptions,
  ctx: ServerContext,
): Promise<{ info: EnvironmentInfo; setAuditWebhook: Awaited<ReturnType<typeof startKube>>['setAuditWebhook'] }> {
  const { binaries, baseDir, etcdDataDir, logDir, ownerPid, processes, log } = ctx;
  const clusterName = opts.clusterName ?? 'tracetest';
  const auditReceiverPort = await freePort();
  const auditWebhook = opts.auditWebhook ?? { url: `http://127.0.0.1:${auditReceiverPort}/audit/${clusterName}` };

  log('starting etcd and redis');
  const etcd = await startEtcd(binaries.etcd, etcdDataDir, logDir, log);
  processes.push(...etcd.processes);
  const redis = await startRedis(binaries.redisServer, join(baseDir, 'redis'), logDir, log);
  processes.push(...redis.processes);

  log('starting jaeger (OTLP receiver + remote storage)');
  const storage = await startJaegerStorage(binaries.jaeger, baseDir, logDir, log);
  processes.push(...storage.processes);

  log('starting kube-apiserver, kube-controller-manager, kube-scheduler, kwok');
  const pkiDir = join(baseDir, 'pki');
  mkdirSync(pkiDir);
  const pki = await createPki(binaries.openssl, pkiDir);
  const kube = await startKube({
    binaries,
    pki,
    etcdEndpoint: etcd.info.endpoint,
    clusterName,
    auditWebhook,
    dir: join(baseDir, 'kube'),
    logDir,
    log,
    bindAddress: ctx.realNode ? nodeIp : undefined,
    taintKwokNode: Boolean(ctx.realNode && opts.podsOnRealNode),
  });
  processes.push(...kube.processes);

  const second = opts.secondCluster
    ? await startCluster(
        { binaries, etcd: etcd.info, baseDir, logDir },
        { name: opts.secondCluster.name, auditReceiverPort: opts.secondCluster.sharedAuditReceiver ? auditReceiverPort : undefined, log },
      )
    : undefined;
  if (second) processes.push(...second.processes);

  if (ctx.realNode) {
    log('starting the real node (containerd, kubelet, kube-proxy, CoreDNS)');
    await startRealNode(ctx.realNode, { logDir, pki, apiserverUrl: kube.info.apiserverUrl, tainted: !opts.podsOnRealNode, processes, log });
  }

  log('starting jaeger query');
  const query = await startJaegerQuery({
    binary: binaries.jaeger,
    backend: opts.queryBackend ?? storage.info.remoteStorage,
    dir: baseDir,
    logDir,
    log,
  });
  processes.push(...query.processes);

  const info: EnvironmentInfo = {
    baseDir,
    logDir,
    etcdDataDir,
    etcd: etcd.info,
    redis: redis.info,
    kube: kube.info,
    auditReceiverPort,
    jaeger: { storage: storage.info, query: query.info },
    pki: { caCert: pki.ca.cert, dir: pkiDir },
    binaries,
    ...(second ? { secondCluster: second.info } : {}),
    realNode: ctx.realNode,
    processes,
    startedAt: new Date().toISOString(),
    ownerPid,
  };
  return { info, setAuditWebhook: kube.setAuditWebhook };
}

/**
 * Stops the servers (the real node first, while the apiserver can still delete its pods; etcd last: the others
 * write to it until they stop), cleans up after the real node and removes the temp dirs. Safe to call twice.
 */
export async function stopEnvironment(state: EnvironmentFiles, log: Logger = stderrLogger): Promise<void> {
  const node = state.realNode;
  state.realNode = undefined;
  try {
    if (node) await stopRealNode(node, state.processes, log);
  } finally {
    await Promise.all(state.processes.filter((p) => p.name !== 'etcd').map((p) => stopProcess(p)));
    await Promise.all(state.processes.filter((p) => p.name === 'etcd').map((p) => stopProcess(p)));
    // Before the temp dirs go: the node's mounts are in them.
    if (node) await cleanUpRealNode(node, log);
    removeTempDirs(state);
    owned.delete(state.baseDir);
  }
}

/**
 * Stops everything this process started, in dependency order: first what is not part of an environment
 * (the quickstart's components and operator, or a server an interrupted start-up had just launched), then
 * each environment (etcd last) with its temp dirs. Refuses new starts from then on. Safe to call twice.
 * Returns how many processes were running.
 */
export async function stopEverything(): Promise<number> {
  closeProcessStarts();
  const running = startedProcesses();
  const inEnvironments = new Set([...owned.values()].flatMap((e) => e.processes.map((p) => p.pid)));
  await Promise.all(running.filter((p) => !inEnvironments.has(p.pid)).map((p) => stopProcess(p)));
  await Promise.all([...owned.values()].map((e) => stopEnvironment(e)));
  return running.length;
}

export function readState(stateFile = defaultStateFile): EnvironmentInfo | undefined {
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(readFileSync(stateFile, 'utf8')) as EnvironmentInfo;
}

/** Which recorded processes are still running. */
export function processStatus(info: EnvironmentInfo): { name: string; pid: number; running: boolean }[] {
  return info.processes.map((p) => ({ name: p.name, pid: p.pid, running: isAlive(p.pid) }));
}
