/**
 * containerd (Debian's 1.6) with the CRI plugin, runc and a bridge CNI network, all state under the node's
 * folder: nothing in /etc/containerd or /var/lib/containerd is read or written.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pauseImage } from '../images/busybox.ts';
import type { Logger } from '../log.ts';
import { startProcess, waitReady, type ProcessRecord } from '../process.ts';
import type { NodeBinaries } from '../tools.ts';
import { cniNetwork, podBridge, podCidr } from './host.ts';

const execFileAsync = promisify(execFile);

export interface ContainerdPaths {
  dir: string;
  config: string;
  socket: string;
  cniConfDir: string;
}

export function containerdPaths(nodeDir: string): ContainerdPaths {
  const dir = join(nodeDir, 'containerd');
  return { dir, config: join(dir, 'config.toml'), socket: join(dir, 'containerd.sock'), cniConfDir: join(nodeDir, 'cni') };
}

function configToml(p: ContainerdPaths, bin: NodeBinaries): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${join(p.dir, 'root')}"
state = "${join(p.dir, 'state')}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${p.socket}"

[ttrpc]
  address = "${p.socket}.ttrpc"

[${cri}]
  sandbox_image = "${pauseImage}"
  # No CAP_SYS_RESOURCE here: runc cannot set the negative oom_score_adj kubelet asks for (pause -998), and
  # every sandbox would fail with "can't get final child's PID from pipe". This clamps it to containerd's own.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  enable_selinux = false

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  BinaryName = "${bin.runc}"
  # runc's state beside containerd's, not in /run/containerd/runc.
  Root = "${join(p.dir, 'runc')}"
  SystemdCgroup = false

[${cri}.cni]
  bin_dir = "${bin.cniBinDir}"
  conf_dir = "${p.cniConfDir}"
`;
}

/** The pods' network: a bridge with masquerade, host-local addresses kept under the node's folder. */
function cniConflist(nodeDir: string): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name: cniNetwork,
    plugins: [
      {
        type: 'bridge',
        bridge: podBridge,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: podCidr }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(nodeDir, 'cni-ipam') },
      },
    ],
  });
}

export async function startContainerd(nodeDir: string, bin: NodeBinaries, logDir: string, log: Logger): Promise<{ paths: ContainerdPaths; process: ProcessRecord }> {
  const paths = containerdPaths(nodeDir);
  mkdirSync(paths.dir, { recursive: true });
  mkdirSync(paths.cniConfDir, { recursive: true });
  writeFileSync(paths.config, configToml(paths, bin));
  writeFileSync(join(paths.cniConfDir, '10-kelemetry.conflist'), cniConflist(nodeDir));
  const record = startProcess({ name: 'containerd', command: bin.containerd, args: ['--config', paths.config, '--log-level', 'warn'], logDir });
  await waitReady(record, () => ctr(bin, paths.socket, ['version']).then(() => true), 30_000, log);
  return { paths, process: record };
}

/** Runs ctr against the node's containerd, in the namespace the CRI plugin (kubelet) uses. */
export async function ctr(bin: NodeBinaries, socket: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(bin.ctr, ['--address', socket, '--namespace', 'k8s.io', ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Imports OCI archives (envtest/images) so pods with `imagePullPolicy: Never` (or IfNotPresent) find them. */
export async function importImages(bin: NodeBinaries, socket: string, archives: string[]): Promise<void> {
  for (const archive of archives) {
    try {
      await ctr(bin, socket, ['images', 'import', archive]);
    } catch (err) {
      throw new Error(`importing image archive ${archive} into the real node's containerd failed: ${(err as Error & { stderr?: string }).stderr ?? err}`, { cause: err });
    }
  }
}
