/**
 * Another cluster beside an environment's own, for multi-cluster tests and `env up --second-cluster`: its own
 * kube-apiserver (own CA, own etcd key prefix on the environment's etcd), controller-manager, scheduler and kwok
 * node, with its audit webhook at /audit/<name>. Sharing the etcd saves a server; Redis and Jaeger are the
 * environment's, as several clusters share them in a multi-cluster install.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startKube, type AuditWebhookTarget, type KubeInfo } from './kube.ts';
import { stderrLogger, type Logger } from './log.ts';
import { createPki } from './pki.ts';
import { freePort } from './ports.ts';
import { startedProcesses, stopProcess, type ProcessRecord } from './process.ts';
import type { EtcdInfo } from './stores.ts';
import type { Binaries } from './tools.ts';

export interface ClusterOptions {
  /** Cluster name, also the audit webhook path (/audit/<name>). */
  name: string;
  /**
   * Port of the audit receiver: the environment's auditReceiverPort makes one receiver take both clusters'
   * events (told apart by the path); default a free port of its own.
   */
  auditReceiverPort?: number;
  /** Replaces the default webhook target http://127.0.0.1:<auditReceiverPort>/audit/<name>. */
  auditWebhook?: AuditWebhookTarget;
  log?: Logger;
}

/** What a test needs of the cluster: as the environment's own (kube, auditReceiverPort), plus where it lives. */
export interface ClusterInfo {
  clusterName: string;
  kube: KubeInfo;
  auditReceiverPort: number;
  /** The apiserver's key prefix in the shared etcd; unique per start, so a cluster never sees an earlier one's objects. */
  etcdPrefix: string;
  pki: { caCert: string; dir: string };
  /** Certificates and kubeconfigs; removed by stop. */
  dir: string;
  /** Its servers' logs (kube-apiserver.log …), under the environment's log dir. */
  logDir: string;
}

/** The parts of an environment a further cluster builds on. */
export interface ClusterHost {
  binaries: Binaries;
  etcd: EtcdInfo;
  baseDir: string;
  logDir: string;
}

export interface StartedCluster {
  info: ClusterInfo;
  processes: ProcessRecord[];
  /** Stops its servers and removes its dir (its logs stay with the environment's). Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts the control plane; on failure stops what of it already runs and rethrows. */
export async function startCluster(host: ClusterHost, opts: ClusterOptions): Promise<StartedCluster> {
  const log = opts.log ?? stderrLogger;
  const dir = mkdtempSync(join(host.baseDir, `cluster-${opts.name}-`));
  const logDir = join(host.logDir, opts.name);
  mkdirSync(logDir, { recursive: true });
  const auditReceiverPort = opts.auditReceiverPort ?? (await freePort());
  const auditWebhook = opts.auditWebhook ?? { url: `http://127.0.0.1:${auditReceiverPort}/audit/${opts.name}` };
  const etcdPrefix = `/registry-${opts.name}-${randomBytes(3).toString('hex')}`;
  try {
    log(`starting cluster ${opts.name}: kube-apiserver (etcd prefix ${etcdPrefix}), kube-controller-manager, kube-scheduler, kwok`);
    mkdirSync(join(dir, 'pki'));
    const pki = await createPki(host.binaries.openssl, join(dir, 'pki'));
    const kube = await startKube({
      binaries: host.binaries,
      pki,
      etcdEndpoint: host.etcd.endpoint,
      etcdPrefix,
      clusterName: opts.name,
      auditWebhook,
      dir: join(dir, 'kube'),
      logDir,
      log,
    });
    const info: ClusterInfo = { clusterName: opts.name, kube: kube.info, auditReceiverPort, etcdPrefix, pki: { caCert: pki.ca.cert, dir: pki.dir }, dir, logDir };
    return { info, processes: kube.processes, stop: () => stopCluster(kube.processes, dir) };
  } catch (err) {
    // startKube keeps its processes to itself until it returns: those of this cluster log under its log dir.
    await stopCluster(startedProcesses().filter((p) => p.logFile.startsWith(`${logDir}/`)), dir);
    throw err;
  }
}

async function stopCluster(processes: ProcessRecord[], dir: string): Promise<void> {
  await Promise.all(processes.map((p) => stopProcess(p)));
  rmSync(dir, { recursive: true, force: true });
}
