/**
 * Cluster DNS for the real node: CoreDNS (envtest/tools/coredns) as a host process on the node address, behind
 * the usual kube-dns Service, whose EndpointSlice (no selector: nothing else manages it) points at that address.
 * Pods resolve `<svc>.<ns>.svc.cluster.local` and `kubernetes.default.svc` through kube-proxy's ClusterIP rules.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import type { Logger } from '../log.ts';
import { freePorts } from '../ports.ts';
import { httpOk } from '../probes.ts';
import { startProcess, waitReady, type ProcessRecord } from '../process.ts';
import { nodeIp } from './host.ts';

const execFileAsync = promisify(execFile);

export interface DnsOptions {
  nodeDir: string;
  coredns: string;
  kubectl: string;
  /** Admin kubeconfig: CoreDNS reads Services, EndpointSlices and Namespaces with it. */
  kubeconfig: string;
  serviceIp: string;
  logDir: string;
  log: Logger;
}

function corefile(kubeconfig: string, healthPort: number, readyPort: number): string {
  return `.:53 {
    bind ${nodeIp}
    errors
    health 127.0.0.1:${healthPort}
    ready 127.0.0.1:${readyPort}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig} kelemetry-test
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
}
`;
}

function dnsObjects(serviceIp: string): object[] {
  const ports = [
    { name: 'dns', port: 53, protocol: 'UDP' },
    { name: 'dns-tcp', port: 53, protocol: 'TCP' },
  ];
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: { clusterIP: serviceIp, ports: ports.map((p) => ({ ...p, targetPort: 53 })) },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'kube-dns-host',
        namespace: 'kube-system',
        labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'kelemetry-envtest' },
      },
      addressType: 'IPv4',
      ports,
      endpoints: [{ addresses: [nodeIp], conditions: { ready: true } }],
    },
  ];
}

export async function startDns(o: DnsOptions): Promise<ProcessRecord> {
  const [healthPort, readyPort] = (await freePorts(2)) as [number, number];
  const conf = join(o.nodeDir, 'Corefile');
  writeFileSync(conf, corefile(o.kubeconfig, healthPort, readyPort));
  const record = startProcess({ name: 'coredns', command: o.coredns, logDir: o.logDir, args: ['-conf', conf] });
  const manifest = join(o.nodeDir, 'kube-dns.yaml');
  writeFileSync(manifest, dnsObjects(o.serviceIp).map((d) => stringify(d)).join('---\n'));
  await execFileAsync(o.kubectl, ['--kubeconfig', o.kubeconfig, 'apply', '-f', manifest]);
  await waitReady(record, () => httpOk(`http://127.0.0.1:${readyPort}/ready`), 60_000, o.log);
  return record;
}
