/**
 * kubelet for the real node: a node client certificate from the environment's CA (the Node authorizer path is
 * the real one), cgroupfs, its own root and pod-log folders under the node's folder, registered with a taint.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { kubeconfigYaml } from '../kubeconfig.ts';
import type { Logger } from '../log.ts';
import type { Pki } from '../pki.ts';
import { httpOk } from '../probes.ts';
import { startProcess, waitReady, type ProcessRecord } from '../process.ts';
import type { NodeBinaries } from '../tools.ts';
import { nodeIp, realNodeName, realNodeTaint } from './host.ts';

export const kubeletPort = 10250;
const healthzPort = 10248;

export interface KubeletOptions {
  nodeDir: string;
  binaries: NodeBinaries;
  pki: Pki;
  apiserverUrl: string;
  containerdSocket: string;
  dnsServiceIp: string;
  logDir: string;
  log: Logger;
  /** Register with realNodeTaint, so only pods that tolerate it land here. */
  tainted: boolean;
}

function kubeletConfig(o: KubeletOptions, kubeletDir: string): object {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'cgroupfs',
    failSwapOn: false,
    // This machine kind has cgroup v1 (hybrid); kubelet 1.34 refuses it unless told otherwise.
    failCgroupV1: false,
    containerRuntimeEndpoint: `unix://${o.containerdSocket}`,
    // The apiserver reaches kubelet (logs, exec, port-forward) on the node address; health stays on loopback.
    address: nodeIp,
    port: kubeletPort,
    healthzBindAddress: '127.0.0.1',
    healthzPort,
    readOnlyPort: 0,
    // Only the apiserver (client certificate from the env CA) and token holders RBAC allows may call kubelet.
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: o.pki.ca.cert } },
    authorization: { mode: 'Webhook' },
    clusterDomain: 'cluster.local',
    clusterDNS: [o.dnsServiceIp],
    // Host-network pods get an empty resolv.conf rather than this machine's, which points nowhere useful.
    resolvConf: '',
    makeIPTablesUtilChains: false,
    podLogsDir: join(kubeletDir, 'pod-logs'),
    // The images were imported by hand and cannot be pulled again: never collect them.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    registerWithTaints: o.tainted ? [realNodeTaint] : [],
    serializeImagePulls: false,
  };
}

export async function startKubelet(o: KubeletOptions): Promise<ProcessRecord> {
  const dir = join(o.nodeDir, 'kubelet');
  mkdirSync(join(dir, 'pod-logs'), { recursive: true });
  const cert = await o.pki.issue('kubelet', { commonName: `system:node:${realNodeName}`, organizations: ['system:nodes'], client: true });
  const kubeconfig = join(o.nodeDir, 'kubelet.kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(o.apiserverUrl, o.pki.ca.cert, { 'client-certificate': cert.cert, 'client-key': cert.key }));
  const config = join(o.nodeDir, 'kubelet.yaml');
  writeFileSync(config, stringify(kubeletConfig(o, dir)));
  const record = startProcess({
    name: 'kubelet',
    command: o.binaries.kubelet,
    logDir: o.logDir,
    args: [
      `--config=${config}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${join(dir, 'root')}`,
      `--cert-dir=${join(dir, 'pki')}`,
      `--node-ip=${nodeIp}`,
      `--hostname-override=${realNodeName}`,
      '--node-labels=kelemetry.io/real-node=true',
      '--v=1',
    ],
  });
  await waitReady(record, () => httpOk(`http://127.0.0.1:${healthzPort}/healthz`), 60_000, o.log);
  return record;
}
