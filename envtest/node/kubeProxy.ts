/**
 * kube-proxy in iptables mode, as the system:kube-proxy user (bound to system:node-proxier by the default
 * RBAC policy): ClusterIPs answer from the host and from pods. Its chains are global, hence one node per machine.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { kubeconfigYaml } from '../kubeconfig.ts';
import type { Logger } from '../log.ts';
import type { Pki } from '../pki.ts';
import { httpOk } from '../probes.ts';
import { startProcess, waitReady, type ProcessRecord } from '../process.ts';
import { podCidr, realNodeName } from './host.ts';

const execFileAsync = promisify(execFile);
const healthzPort = 10256;
const metricsPort = 10249;

export interface KubeProxyOptions {
  nodeDir: string;
  binary: string;
  pki: Pki;
  apiserverUrl: string;
  logDir: string;
  log: Logger;
}

export async function startKubeProxy(o: KubeProxyOptions): Promise<ProcessRecord> {
  const cert = await o.pki.issue('kube-proxy', { commonName: 'system:kube-proxy', client: true });
  const kubeconfig = join(o.nodeDir, 'kube-proxy.kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(o.apiserverUrl, o.pki.ca.cert, { 'client-certificate': cert.cert, 'client-key': cert.key }));
  const config = join(o.nodeDir, 'kube-proxy.yaml');
  writeFileSync(
    config,
    stringify({
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      mode: 'iptables',
      hostnameOverride: realNodeName,
      clusterCIDR: podCidr,
      bindAddress: '127.0.0.1',
      healthzBindAddress: `127.0.0.1:${healthzPort}`,
      metricsBindAddress: `127.0.0.1:${metricsPort}`,
      // Negative scores need CAP_SYS_RESOURCE, which this machine kind does not grant.
      oomScoreAdj: 0,
      // Leave the host's conntrack table sizes alone.
      conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
      clientConnection: { kubeconfig },
    }),
  );
  const record = startProcess({ name: 'kube-proxy', command: o.binary, logDir: o.logDir, args: [`--config=${config}`, '--v=1'] });
  await waitReady(record, () => httpOk(`http://127.0.0.1:${healthzPort}/healthz`), 60_000, o.log);
  return record;
}

/** Removes kube-proxy's iptables (and ipvs/nftables) rules; run after it stopped. */
export async function cleanUpKubeProxy(binary: string): Promise<void> {
  await execFileAsync(binary, ['--cleanup', '--v=0']).catch((err: Error & { stderr?: string }) => {
    throw new Error(`kube-proxy --cleanup failed: ${err.stderr?.trim() || err.message}`, { cause: err });
  });
}
