/**
 * A real Kubernetes control plane on loopback: kube-apiserver (audit webhook at RequestResponse level),
 * kube-controller-manager, kube-scheduler and kwok with one fake node, so Deployments get ReplicaSets
 * and Running pods.
 */
import { kwokNodeTaint } from './node/host.ts';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import type { Logger } from './log.ts';
import { freePorts } from './ports.ts';
import type { Pki } from './pki.ts';
import { httpOk, tcpOpen } from './probes.ts';
import { startProcess, stopProcess, waitReady, type ProcessRecord } from './process.ts';
import type { Started } from './stores.ts';
import { auditWebhookKubeconfig, kubeconfigYaml, type AuditWebhookTarget } from './kubeconfig.ts';

export type { AuditWebhookTarget } from './kubeconfig.ts';

const run = promisify(execFile);

/** The apiserver's Service range; the kubernetes Service takes .1, cluster DNS (real node) takes .10. */
export const serviceCidr = '10.96.0.0/16';
export const kubernetesServiceIp = '10.96.0.1';
export const dnsServiceIp = '10.96.0.10';

export interface KubeInfo {
  clusterName: string;
  apiserverUrl: string;
  kubeconfig: string;
  auditWebhook: AuditWebhookTarget;
  auditPolicyFile: string;
  /** The kwok node. */
  nodeName: string;
  /** The address the apiserver binds to and advertises: 127.0.0.1, or the real node's address. */
  bindAddress: string;
}

export interface KubeBinaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
}

/**
 * The audit policy a cluster operator would set for Kelemetry: full RequestResponse bodies for writes.
 * Reads are left out: Kelemetry ignores them, and they are most of an apiserver's traffic.
 */
export const auditPolicy = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [{ level: 'None', verbs: ['get', 'list', 'watch'] }, { level: 'RequestResponse' }],
};

export interface StartKubeOptions {
  binaries: KubeBinaries;
  pki: Pki;
  etcdEndpoint: string;
  /** Key prefix in etcd (default /registry): control planes sharing one etcd keep apart by it. */
  etcdPrefix?: string;
  clusterName: string;
  auditWebhook: AuditWebhookTarget;
  dir: string;
  logDir: string;
  log: Logger;
  /**
   * Where the apiserver listens and what it advertises; default 127.0.0.1. A real node passes its own address:
   * pods reach the apiserver through the kubernetes Service, whose endpoint is this address.
   */
  bindAddress?: string;
  /** Taint the kwok node (kwokNodeTaint), so pods that do not tolerate it go to a real node. */
  taintKwokNode?: boolean;
}

export interface StartedKube extends Started<KubeInfo> {
  /**
   * Restarts the apiserver with another audit webhook (read only at start-up); resolves once it is ready again,
   * with the old and the new process record.
   */
  setAuditWebhook(target: AuditWebhookTarget): Promise<{ stopped: ProcessRecord; started: ProcessRecord }>;
}

export async function startKube(opts: StartKubeOptions): Promise<StartedKube> {
  const { binaries, dir, logDir, log } = opts;
  const bindAddress = opts.bindAddress ?? '127.0.0.1';
  mkdirSync(dir, { recursive: true });
  const [apiPort, kcmPort, schedPort, kwokPort] = (await freePorts(4)) as [number, number, number, number];
  const apiserverUrl = `https://${bindAddress}:${apiPort}`;
  const files = await writeControlPlaneFiles(opts, apiserverUrl, bindAddress);

  const processes: ProcessRecord[] = [];
  const tls = { ca: readFileSync(opts.pki.ca.cert), cert: readFileSync(files.admin.cert), key: readFileSync(files.admin.key) };
  const startApiserver = async () => {
    const apiserver = startProcess({ name: 'kube-apiserver', command: binaries.kubeApiserver, logDir, args: apiserverArgs(opts, apiPort, files, bindAddress) });
    processes.push(apiserver);
    await waitReady(apiserver, () => httpOk(`${apiserverUrl}/readyz`, tls), 90_000, log);
    return apiserver;
  };
  let apiserver = await startApiserver();

  const followers: [ProcessRecord, number][] = [
    [startProcess({ name: 'kube-controller-manager', command: binaries.kubeControllerManager, logDir, args: controllerManagerArgs(opts, kcmPort, files) }), kcmPort],
    [startProcess({ name: 'kube-scheduler', command: binaries.kubeScheduler, logDir, args: schedulerArgs(opts, schedPort, files) }), schedPort],
    // kwok reads ~/.kwok/kwok.yaml when present; a private HOME keeps a developer's file out of the tests.
    [startProcess({ name: 'kwok', command: binaries.kwok, logDir, args: kwokArgs(kwokPort, files), env: { HOME: dir } }), kwokPort],
  ];
  processes.push(...followers.map(([p]) => p));
  for (const [p, port] of followers) await waitReady(p, () => tcpOpen(port), 60_000, log);

  const nodeName = 'kwok-node-0';
  const nodeFile = join(dir, 'kwok-node.yaml');
  writeFileSync(nodeFile, stringify(fakeNode(nodeName, opts.taintKwokNode ?? false)));
  await run(binaries.kubectl, ['--kubeconfig', files.kubeconfig, 'apply', '-f', nodeFile]);

  const info: KubeInfo = {
    clusterName: opts.clusterName,
    apiserverUrl,
    kubeconfig: files.kubeconfig,
    auditWebhook: opts.auditWebhook,
    auditPolicyFile: files.auditPolicy,
    nodeName,
    bindAddress,
  };
  const setAuditWebhook = async (target: AuditWebhookTarget) => {
    writeFileSync(files.auditKubeconfig, auditWebhookKubeconfig(target));
    const stopped = apiserver;
    await stopProcess(stopped);
    processes.splice(processes.indexOf(stopped), 1);
    apiserver = await startApiserver();
    info.auditWebhook = target;
    return { stopped, started: apiserver };
  };
  return { info, processes, setAuditWebhook };
}

/** Certificates, kubeconfigs and audit files of one control plane, written under `opts.dir`. */
interface ControlPlaneFiles {
  serving: { cert: string; key: string };
  admin: { cert: string; key: string };
  /** How the apiserver authenticates to kubelets (a real node's kubelet checks it against the env CA). */
  kubeletClient: { cert: string; key: string };
  saKey: string;
  saPub: string;
  kubeconfig: string;
  kcmKubeconfig: string;
  schedulerKubeconfig: string;
  kwokKubeconfig: string;
  auditPolicy: string;
  auditKubeconfig: string;
}

async function writeControlPlaneFiles(opts: StartKubeOptions, apiserverUrl: string, bindAddress: string): Promise<ControlPlaneFiles> {
  const { pki, dir } = opts;
  const names = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  const ips = [...new Set(['127.0.0.1', bindAddress, kubernetesServiceIp])];
  const serving = await pki.issue('apiserver', {
    commonName: 'kube-apiserver',
    sans: [...ips.map((ip) => `IP:${ip}`), 'DNS:localhost', ...names.map((n) => `DNS:${n}`)],
  });
  const admin = await pki.issue('admin', { commonName: 'kelemetry-admin', organizations: ['system:masters'], client: true });
  const kubeletClient = await pki.issue('apiserver-kubelet-client', { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], client: true });
  const { key: saKey, pub: saPub } = await pki.keyPair('service-account');
  const kubeconfig = join(dir, 'admin.kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(apiserverUrl, pki.ca.cert, { 'client-certificate': admin.cert, 'client-key': admin.key }));
  // Controllers act under their real identities, as in a cluster, so audit spans name who did what
  // (e.g. system:serviceaccount:kube-system:replicaset-controller).
  const identity = async (name: string, user: string, groups?: string[]) => {
    const cert = await pki.issue(name, { commonName: user, organizations: groups, client: true });
    const file = join(dir, `${name}.kubeconfig`);
    writeFileSync(file, kubeconfigYaml(apiserverUrl, pki.ca.cert, { 'client-certificate': cert.cert, 'client-key': cert.key }));
    return file;
  };
  const auditPolicyFile = join(dir, 'audit-policy.yaml');
  writeFileSync(auditPolicyFile, stringify(auditPolicy));
  const auditKubeconfig = join(dir, 'audit-webhook.kubeconfig');
  writeFileSync(auditKubeconfig, auditWebhookKubeconfig(opts.auditWebhook));
  return {
    serving,
    admin,
    kubeletClient,
    saKey,
    saPub,
    kubeconfig,
    kcmKubeconfig: await identity('kube-controller-manager', 'system:kube-controller-manager'),
    schedulerKubeconfig: await identity('kube-scheduler', 'system:kube-scheduler'),
    // kwok plays the kubelet of the fake node; it needs wider rights than the Node authorizer grants a
    // kubelet, so it keeps cluster-admin but writes under the node's name.
    kwokKubeconfig: await identity('kwok', 'system:node:kwok-node-0', ['system:masters']),
    auditPolicy: auditPolicyFile,
    auditKubeconfig,
  };
}

function apiserverArgs(opts: StartKubeOptions, port: number, f: ControlPlaneFiles, bindAddress: string): string[] {
  const loopback = bindAddress.startsWith('127.');
  return [
    `--etcd-servers=${opts.etcdEndpoint}`,
    ...(opts.etcdPrefix ? [`--etcd-prefix=${opts.etcdPrefix}`] : []),
    `--bind-address=${bindAddress}`,
    `--advertise-address=${bindAddress}`,
    `--secure-port=${port}`,
    `--cert-dir=${opts.dir}`,
    `--tls-cert-file=${f.serving.cert}`,
    `--tls-private-key-file=${f.serving.key}`,
    `--client-ca-file=${opts.pki.ca.cert}`,
    `--service-account-key-file=${f.saPub}`,
    `--service-account-signing-key-file=${f.saKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--authorization-mode=Node,RBAC',
    `--service-cluster-ip-range=${serviceCidr}`,
    '--allow-privileged=true',
    // The loopback address cannot be a Service endpoint; only pods on a real node need the kubernetes Service's.
    `--endpoint-reconciler-type=${loopback ? 'none' : 'lease'}`,
    // A real node's kubelet listens on its InternalIP (its hostname resolves nowhere) and checks this certificate.
    '--kubelet-preferred-address-types=InternalIP,Hostname',
    `--kubelet-client-certificate=${f.kubeletClient.cert}`,
    `--kubelet-client-key=${f.kubeletClient.key}`,
    `--audit-policy-file=${f.auditPolicy}`,
    `--audit-webhook-config-file=${f.auditKubeconfig}`,
    '--audit-webhook-mode=batch',
    // Short batches keep tests quick; the default waits up to 30 s.
    '--audit-webhook-batch-max-wait=1s',
    '--audit-webhook-initial-backoff=200ms',
    '--v=1',
  ];
}

function controllerManagerArgs(opts: StartKubeOptions, port: number, f: ControlPlaneFiles): string[] {
  return [
    `--kubeconfig=${f.kcmKubeconfig}`,
    `--authentication-kubeconfig=${f.kubeconfig}`,
    `--authorization-kubeconfig=${f.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${opts.dir}/kcm`,
    '--leader-elect=false',
    // One service account per controller, as kubeadm clusters run it.
    '--use-service-account-credentials=true',
    `--root-ca-file=${opts.pki.ca.cert}`,
    `--service-account-private-key-file=${f.saKey}`,
    '--controllers=*,-nodeipam,-cloud-node-lifecycle',
    '--v=1',
  ];
}

function schedulerArgs(opts: StartKubeOptions, port: number, f: ControlPlaneFiles): string[] {
  return [
    `--kubeconfig=${f.schedulerKubeconfig}`,
    `--authentication-kubeconfig=${f.kubeconfig}`,
    `--authorization-kubeconfig=${f.kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${opts.dir}/scheduler`,
    '--leader-elect=false',
    '--v=1',
  ];
}

function kwokArgs(port: number, f: ControlPlaneFiles): string[] {
  return [
    `--kubeconfig=${f.kwokKubeconfig}`,
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    '--cidr=10.244.0.1/16',
    '--node-ip=10.240.0.1',
    `--server-address=127.0.0.1:${port}`,
    '--node-lease-duration-seconds=40',
  ];
}

function fakeNode(name: string, tainted: boolean): object {
  const resources = { cpu: '32', memory: '256Gi', pods: '250' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        type: 'kwok',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
      },
    },
    ...(tainted ? { spec: { taints: [kwokNodeTaint] } } : {}),
    status: { allocatable: resources, capacity: resources },
  };
}
