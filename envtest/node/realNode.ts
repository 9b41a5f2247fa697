/**
 * A real node beside the control plane: containerd + runc + bridge CNI + kubelet + kube-proxy + CoreDNS in the
 * host's network namespace, so pods really run. One per machine (lock.ts); what a killed run left is swept by
 * the next start (leftovers.ts). Started in two steps: the node address before the apiserver (which binds to it,
 * so pods reach it through the kubernetes Service), the rest after it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { sleep } from '../../runtime/util/sleep.ts';
import { writeBusyboxImages } from '../images/busybox.ts';
import { formatDuration, type Logger } from '../log.ts';
import type { Pki } from '../pki.ts';
import { isAlive, stopProcess, type ProcessRecord } from '../process.ts';
import type { NodeBinaries } from '../tools.ts';
import { containerdPaths, importImages, startContainerd } from './containerd.ts';
import { startDns } from './dns.ts';
import { createNodeAddress, nodeIp, readSysctls, realNodeName, restoreSysctls } from './host.ts';
import { startKubelet } from './kubelet.ts';
import { writeVolumesManifest } from './volumes.ts';
import { cleanUpKubeProxy, startKubeProxy } from './kubeProxy.ts';
import { findLeftovers, removeLeftovers } from './leftovers.ts';
import { acquireLock, readLock, lockHeld, releaseLock, updateLock } from './lock.ts';

const execFileAsync = promisify(execFile);

export interface RealNodeInfo {
  name: string;
  ip: string;
  /** Folder of the node's configs and state (containerd, kubelet, CNI), under the environment's. */
  dir: string;
  containerdSocket: string;
  dnsServiceIp: string;
  binaries: NodeBinaries;
  kubectl: string;
  kubeconfig: string;
  /** ms epoch; tells the node's network namespaces from others'. */
  startedAt: number;
}

/**
 * Step 1, before the apiserver: the lock (sweeping what a killed run left) and the node address. Throws when
 * another real node runs; once this returns, stopRealNode cleans up whatever happens next.
 */
export async function prepareRealNode(o: Omit<RealNodeInfo, 'name' | 'ip' | 'dir' | 'containerdSocket' | 'startedAt'>, baseDir: string, log: Logger): Promise<RealNodeInfo> {
  await sweepStaleNode(log);
  const startedAt = Date.now();
  acquireLock({ starterPid: process.pid, pids: [], baseDir, startedAt, sysctls: readSysctls() });
  try {
    await createNodeAddress();
  } catch (err) {
    await cleanUpHost(startedAt, undefined, log);
    throw err;
  }
  const dir = join(baseDir, 'node');
  return { ...o, name: realNodeName, ip: nodeIp, dir, containerdSocket: containerdPaths(dir).socket, startedAt };
}

export interface StartRealNodeOptions {
  logDir: string;
  pki: Pki;
  apiserverUrl: string;
  /** Register with realNodeTaint (the default: kwok tests stay predictable); false when pods default to this node. */
  tainted: boolean;
  /** Filled as each process starts, so a failure part-way stops what is already up. */
  processes: ProcessRecord[];
  log: Logger;
}

/** Step 2, once the control plane runs: returns when the node is Ready and cluster DNS answers. */
export async function startRealNode(node: RealNodeInfo, o: StartRealNodeOptions): Promise<void> {
  const started = Date.now();
  const { dir, binaries } = node;
  const { logDir, log } = o;
  mkdirSync(dir, { recursive: true });
  const containerd = await startContainerd(dir, binaries, logDir, log);
  o.processes.push(containerd.process);
  const images = await writeBusyboxImages(join(dir, 'images'));
  await importImages(binaries, node.containerdSocket, images.map((i) => i.archive));
  const common = { nodeDir: dir, pki: o.pki, apiserverUrl: o.apiserverUrl, logDir, log };
  o.processes.push(await startKubelet({ ...common, binaries, containerdSocket: node.containerdSocket, dnsServiceIp: node.dnsServiceIp, tainted: o.tainted }));
  o.processes.push(await startKubeProxy({ ...common, binary: binaries.kubeProxy }));
  const dns = { nodeDir: dir, coredns: binaries.coredns, kubectl: node.kubectl, kubeconfig: node.kubeconfig, serviceIp: node.dnsServiceIp, logDir, log };
  o.processes.push(await startDns(dns));
  updateLock({ pids: o.processes.filter((p) => nodeProcessNames.includes(p.name)).map((p) => p.pid) });
  await waitNodeReady(node.kubectl, node.kubeconfig, 60_000);
  await kubectl(node, ['apply', '-f', writeVolumesManifest(dir)]);
  log(`real node ${node.name} Ready in ${formatDuration(Date.now() - started)}`);
}

const nodeProcessNames = ['containerd', 'kubelet', 'kube-proxy', 'coredns'];

function kubectl(node: Pick<RealNodeInfo, 'kubectl' | 'kubeconfig'>, args: string[]): Promise<string> {
  return execFileAsync(node.kubectl, ['--kubeconfig', node.kubeconfig, ...args]).then((r) => r.stdout);
}

async function waitNodeReady(kubectlPath: string, kubeconfig: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const jsonpath = '{.status.conditions[?(@.type=="Ready")].status}';
  for (;;) {
    const status = await kubectl({ kubectl: kubectlPath, kubeconfig }, ['get', 'node', realNodeName, '-o', `jsonpath=${jsonpath}`]).catch(() => '');
    if (status === 'True') return;
    if (Date.now() > deadline) throw new Error(`real node ${realNodeName} not Ready after ${timeoutMs / 1000}s (Ready=${status || 'unknown'}); see the kubelet log`);
    await sleep(200);
  }
}

/** Imports OCI archives (e.g. from envtest/images) into the node's containerd, for pods with imagePullPolicy Never. */
export function importNodeImages(node: RealNodeInfo, archives: string[]): Promise<void> {
  return importImages(node.binaries, node.containerdSocket, archives);
}

/** Deletes the node's pods through the API (so CNI DEL releases their addresses), cordoned so none come back. */
async function drain(node: RealNodeInfo, log: Logger): Promise<void> {
  const onNode = ['--all-namespaces', `--field-selector=spec.nodeName=${node.name}`];
  try {
    await kubectl(node, ['cordon', node.name]);
    await kubectl(node, ['delete', 'pods', ...onNode, '--grace-period=1', '--wait=false']);
    const deadline = Date.now() + 30_000;
    while ((await kubectl(node, ['get', 'pods', ...onNode, '-o', 'name'])).trim() && Date.now() < deadline) await sleep(250);
  } catch (err) {
    log(`real node: could not delete its pods through the API (${(err as Error).message.split('\n')[0]}); their containers are killed instead`);
  }
}

/** False when another environment's real node runs now (this one's state is stale): hands off its host. */
function ownsHost(node: RealNodeInfo, log: Logger): boolean {
  const lock = readLock();
  if (!lock || lock.baseDir === dirname(node.dir) || !lockHeld(lock)) return true;
  log(`real node: leaving the host alone, another environment's real node runs now (${lock.baseDir})`);
  return false;
}

/**
 * Stops the node's processes in order: pods (through the API), kube-proxy and its rules, kubelet and CoreDNS,
 * containerd. `processes`: the environment's records. The host clean-up (cleanUpRealNode) comes after the
 * apiserver stopped: it removes the address the apiserver listens on, without which it cannot shut down.
 */
export async function stopRealNode(node: RealNodeInfo, processes: ProcessRecord[], log: Logger): Promise<void> {
  if (!ownsHost(node, log)) return;
  const byName = (name: string) => processes.filter((p) => p.name === name && isAlive(p.pid));
  if (byName('kubelet').length) await drain(node, log);
  const proxies = byName('kube-proxy');
  await Promise.all(proxies.map((p) => stopProcess(p)));
  if (proxies.length) await cleanUpKubeProxy(node.binaries.kubeProxy).catch((err: Error) => log(err.message));
  await Promise.all([...byName('kubelet'), ...byName('coredns')].map((p) => stopProcess(p)));
  await Promise.all(byName('containerd').map((p) => stopProcess(p)));
}

/** Removes everything the stopped node left on the host, restores the kernel settings and releases the lock. */
export async function cleanUpRealNode(node: RealNodeInfo, log: Logger): Promise<void> {
  if (ownsHost(node, log)) await cleanUpHost(node.startedAt, [node.binaries.iptables, node.binaries.ip6tables], log);
}

/** Removes the leftovers, restores the saved kernel settings and releases the lock. */
async function cleanUpHost(since: number | undefined, iptables: string[] | undefined, log: Logger): Promise<void> {
  const failed = await removeLeftovers(await findLeftovers(iptables, since), (line) => log(`real node: ${line}`));
  const lock = readLock();
  if (lock) for (const line of restoreSysctls(lock.sysctls)) log(`real node: restored ${line}`);
  releaseLock();
  if (failed.length) throw new Error(`real node clean-up left:\n  ${failed.join('\n  ')}`);
}

/** When a real node's starter was killed (SIGKILL skips clean-up), removes what it left; logs each item. */
export async function sweepStaleNode(log: Logger): Promise<void> {
  const lock = readLock();
  if (!lock || lockHeld(lock)) return;
  log(`sweeping the real node left by pid ${lock.starterPid} (environment ${lock.baseDir})`);
  await cleanUpHost(lock.startedAt, undefined, (line) => log(line.replace('real node: removed', 'swept')));
}

/** What a stopped real node left on this machine (empty when clean), for checks after `env down` and tests. */
export async function realNodeLeftovers(): Promise<string[]> {
  const items = (await findLeftovers()).map((l) => l.what);
  const lock = readLock();
  return lock ? [...items, `lock ${JSON.stringify(lock)}`] : items;
}
