/**
 * What a real node leaves on the host until it is cleaned up: its processes and containers, mounts under its
 * folders, the bridges, KUBE-* and its CNI iptables chains, network namespaces and kubepods cgroups. One list
 * serves both the clean-up (stop, and the sweep after a run that was killed) and the check that nothing is left.
 */
import { readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../../runtime/util/sleep.ts';
import { cniNetwork, host, linkExists, nodeBridge, pathMarkers, podBridge } from './host.ts';

export interface Leftover {
  /** What it is, for the log line and the check's message, e.g. `mount /tmp/…/kubelet`. */
  what: string;
  remove(): Promise<void>;
}

function readOr(path: string, fallback = ''): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

const isOurs = (text: string) => pathMarkers.every((m) => text.includes(m));

function pidsOf(predicate: (cmdline: string) => boolean): { pid: number; cmdline: string }[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .map((d) => ({ pid: Number(d), cmdline: readOr(`/proc/${d}/cmdline`).replaceAll('\0', ' ').trim() }))
    .filter((p) => p.cmdline && predicate(p.cmdline));
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone already */
  }
}

/** kubepods cgroup folders of every hierarchy, deepest first (rmdir order). */
function kubepodsCgroups(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
    found.push(dir);
  };
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const top = join('/sys/fs/cgroup', hierarchy, 'kubepods');
    try {
      if (statSync(top).isDirectory()) walk(top);
    } catch {
      /* no kubepods in this hierarchy */
    }
  }
  return found;
}

/** Container processes (anything in a kubepods cgroup) and our containerd shims, kubelet & co. */
function processLeftovers(): Leftover[] {
  const inPods = new Set<number>();
  for (const dir of kubepodsCgroups().filter((d) => d.includes('/pids/'))) {
    for (const line of readOr(join(dir, 'cgroup.procs')).split('\n')) if (line) inPods.add(Number(line));
  }
  const ours = pidsOf(isOurs).filter((p) => !inPods.has(p.pid));
  return [
    ...[...inPods].map((pid) => ({ what: `container process ${pid} (${readOr(`/proc/${pid}/comm`).trim()})`, remove: async () => kill(pid) })),
    ...ours.map(({ pid, cmdline }) => ({ what: `process ${pid} (${cmdline.slice(0, 120)})`, remove: async () => kill(pid) })),
  ];
}

/** Mount points under the node's folders (kubelet's root bind mount, volumes, container root filesystems). */
function mountLeftovers(): Leftover[] {
  const points = readOr('/proc/self/mountinfo')
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((p): p is string => !!p && isOurs(p));
  // Deepest first, so a parent is unmounted after what is mounted inside it.
  return [...new Set(points)]
    .sort((a, b) => b.length - a.length)
    .map((p) => ({ what: `mount ${p}`, remove: () => host('umount', ['-l', p]).then(() => undefined) }));
}

/** Network namespaces containerd's CRI made for pod sandboxes (only while the node ran: newer than `since`). */
function netnsLeftovers(since: number | undefined): Leftover[] {
  if (since === undefined) return [];
  let names: string[];
  try {
    names = readdirSync('/run/netns').filter((n) => n.startsWith('cni-'));
  } catch {
    return [];
  }
  return names
    .map((n) => join('/run/netns', n))
    .filter((p) => statSync(p).mtimeMs >= since)
    .map((p) => ({
      what: `network namespace ${p}`,
      remove: async () => {
        await host('umount', ['-l', p]).catch(() => undefined);
        rmSync(p, { force: true });
      },
    }));
}

function bridgeLeftovers(): Leftover[] {
  return [podBridge, nodeBridge]
    .filter(linkExists)
    .map((name) => ({ what: `bridge ${name}`, remove: () => host('ip', ['link', 'del', name]).then(() => undefined) }));
}

/**
 * kube-proxy's and kubelet's KUBE-* chains, and the bridge plugin's masquerade chains for our network: the
 * rules jumping to them first, then the chains.
 */
async function iptablesLeftovers(command: string): Promise<Leftover[]> {
  const found: Leftover[] = [];
  for (const table of ['filter', 'nat', 'mangle']) {
    let dump: string;
    try {
      dump = await host(`${command}-save`, ['-t', table]);
    } catch {
      continue; // table or ip6tables not available
    }
    const lines = dump.split('\n');
    // The bridge plugin's rules say `--comment "name: \"<network>\" id: …"` (quotes escaped in the dump).
    const ours = (l: string) => l.startsWith('-A ') && l.includes(`name: \\"${cniNetwork}\\"`);
    const ourCni = new Set(lines.filter(ours).map((l) => /-j (CNI-\S+)/.exec(l)?.[1]).filter((c): c is string => !!c));
    const chains = lines.filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!).filter((c) => c.startsWith('KUBE-') || ourCni.has(c));
    if (!chains.length) continue;
    const targets = new Set(chains);
    const jumps = lines.filter((l) => l.startsWith('-A ') && !targets.has(l.split(' ')[1]!) && [...targets].some((c) => l.includes(`-j ${c}`)));
    const remove = async () => {
      // iptables-save quotes arguments the shell way; iptables itself takes them unquoted.
      for (const rule of jumps) await host(command, ['-t', table, '-D', ...splitRule(rule.slice(3))]).catch(() => undefined);
      for (const c of chains) await host(command, ['-t', table, '-F', c]).catch(() => undefined);
      for (const c of chains) await host(command, ['-t', table, '-X', c]).catch(() => undefined);
    };
    found.push({ what: `${command} ${table} chains ${chains.join(', ')}`, remove });
  }
  return found;
}

/** Splits an iptables-save rule into arguments, honouring double quotes. */
export function splitRule(rule: string): string[] {
  return [...rule.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!));
}

function cgroupLeftovers(): Leftover[] {
  const dirs = kubepodsCgroups();
  if (!dirs.length) return [];
  const remove = async () => {
    for (let attempt = 0; ; attempt++) {
      const failed = kubepodsCgroups().filter((d) => {
        try {
          rmdirSync(d);
          return false;
        } catch {
          return true;
        }
      });
      if (!failed.length) return;
      // A killed process leaves its cgroup a moment later.
      if (attempt >= 50) throw new Error(`cannot remove cgroups ${failed.slice(0, 3).join(', ')}: still in use`);
      await sleep(100);
    }
  };
  return [{ what: `kubepods cgroups (${dirs.length} folders)`, remove }];
}

/**
 * Everything a real node left, in removal order: processes before mounts and cgroups, mounts before network.
 * `since` (ms epoch): when the node started, to tell its network namespaces from others'.
 */
export async function findLeftovers(iptables: string[] = ['iptables', 'ip6tables'], since?: number): Promise<Leftover[]> {
  const chains = (await Promise.all(iptables.map((c) => iptablesLeftovers(c)))).flat();
  return [...processLeftovers(), ...mountLeftovers(), ...netnsLeftovers(since), ...bridgeLeftovers(), ...chains, ...cgroupLeftovers()];
}

/** Removes each leftover, logging a line per item; returns what could not be removed. */
export async function removeLeftovers(items: Leftover[], log: (line: string) => void, verb = 'removed'): Promise<string[]> {
  const failed: string[] = [];
  for (const item of items) {
    try {
      await item.remove();
      log(`${verb} ${item.what}`);
    } catch (err) {
      failed.push(`${item.what}: ${(err as Error).message}`);
    }
  }
  // Killed processes take a moment to exit and release their mounts; wait so the caller's next step sees them gone.
  for (let i = 0; i < 50 && processLeftovers().length; i++) await sleep(100);
  return failed;
}
