/**
 * The real node's footprint on the host: fixed names and addresses (the node runs in the host's network
 * namespace, so there is one per machine), the node address holder, and the kernel settings kubelet and
 * kube-proxy change, saved so they can be put back.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const realNodeName = 'kelemetry-node';
/** The node's InternalIP. kubelet refuses loopback, and this kernel has no dummy links: an empty bridge holds it. */
export const nodeIp = '10.86.0.1';
export const nodeBridge = 'kelemetry-node';
/** Pods' bridge and subnet: clear of kwok's fake 10.244.0.0/16 and podman's 10.88.0.0/16. */
export const podBridge = 'kelemetry-pods';
export const podCidr = '10.85.0.0/24';
/** The CNI network's name; the bridge plugin's masquerade rules carry it in their comments. */
export const cniNetwork = 'kelemetry-pods';
/** Marks the real node's processes and mounts: every path they use contains both parts. */
export const pathMarkers = ['/kelemetry-env-', '/node/'] as const;

/** Registered on the real node so pods land there only when they ask (kwok tests stay predictable). */
export const realNodeTaint = { key: 'kelemetry.io/real-node', value: 'true', effect: 'NoSchedule' } as const;
export const realNodeToleration = { ...realNodeTaint, operator: 'Equal' } as const;
/** On the kwok node when pods default to the real node (EnvironmentOptions.podsOnRealNode): kwok pods tolerate it. */
export const kwokNodeTaint = { key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' } as const;
export const kwokNodeToleration = { ...kwokNodeTaint, operator: 'Equal' } as const;
export const realNodeSelector = { 'kubernetes.io/hostname': realNodeName } as const;

/**
 * Kernel settings kubelet (setupKernelTunables), kube-proxy and the bridge plugin set on the host. Saved
 * before the node starts and put back after it stops.
 */
const tunedSysctls = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
  'net/ipv4/conf/all/route_localnet',
  'net/ipv4/ip_forward',
  'net/bridge/bridge-nf-call-iptables',
  'net/bridge/bridge-nf-call-ip6tables',
];

export function readSysctls(): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of tunedSysctls) {
    const path = `/proc/sys/${key}`;
    if (existsSync(path)) values[key] = readFileSync(path, 'utf8').trim();
  }
  return values;
}

/** The settings that differ from `saved`, written back; returns what changed (`key: now -> saved`). */
export function restoreSysctls(saved: Record<string, string>): string[] {
  const changed: string[] = [];
  for (const [key, value] of Object.entries(saved)) {
    const path = `/proc/sys/${key}`;
    if (!existsSync(path)) continue;
    const now = readFileSync(path, 'utf8').trim();
    if (now === value) continue;
    try {
      writeFileSync(path, value);
      changed.push(`${key.replaceAll('/', '.')}: ${now} -> ${value}`);
    } catch (err) {
      changed.push(`${key.replaceAll('/', '.')}: ${now}, could not restore ${value} (${(err as Error).message})`);
    }
  }
  return changed;
}

/** Runs a host command (ip, iptables, umount); the error names the command and its stderr. */
export async function host(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** The node's address on an otherwise empty bridge (a /32: nothing routes through it). */
export async function createNodeAddress(): Promise<void> {
  if (!linkExists(nodeBridge)) await host('ip', ['link', 'add', nodeBridge, 'type', 'bridge']);
  await host('ip', ['addr', 'replace', `${nodeIp}/32`, 'dev', nodeBridge]);
  await host('ip', ['link', 'set', nodeBridge, 'up']);
}
