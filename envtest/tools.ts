/**
 * Finds or builds the Go-built binaries of the test environment (kube-apiserver & co., kwok, Jaeger v2),
 * etcd 3.6, and finds the Debian-packaged ones (redis-server, openssl).
 *
 * Builds are cached per version under ~/.cache/kelemetry/tools (or $KELEMETRY_TOOLS_DIR); a cold build
 * takes minutes, so progress is printed while it runs. $KUBEBUILDER_ASSETS, the envtest convention, is
 * honoured for kube-apiserver, kubectl and etcd when set.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { debianPackages, goTools, minimumGo, nodeDebianPackages, type GoTool } from './versions.ts';
import { formatDuration, type Logger } from './log.ts';

const execFileAsync = promisify(execFile);
const toolsModulesDir = join(dirname(fileURLToPath(import.meta.url)), 'tools');

export interface Binaries {
  etcd: string;
  redisServer: string;
  openssl: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
  jaeger: string;
}

export function toolsCacheDir(): string {
  if (process.env.KELEMETRY_TOOLS_DIR) return process.env.KELEMETRY_TOOLS_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'kelemetry', 'tools');
}

/**
 * Where one tools module's binaries are cached: the version plus a hash of go.mod/go.sum (and of the module's
 * own .go files and -X flags, when it has any), so edits rebuild.
 */
export function toolDir(tool: GoTool): string {
  const hash = createHash('sha256');
  const moduleDir = join(toolsModulesDir, tool.module);
  const sources = readdirSync(moduleDir).filter((f) => f.endsWith('.go')).sort();
  for (const f of ['go.mod', 'go.sum', ...sources]) hash.update(readFileSync(join(moduleDir, f)));
  if (tool.ldflagsX) hash.update(JSON.stringify(tool.ldflagsX));
  return join(toolsCacheDir(), `${tool.module}-${tool.version}-${hash.digest('hex').slice(0, 10)}`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Looks a binary up on $PATH (plus /usr/sbin, where Debian puts some daemons). */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin'];
  return dirs.map((d) => join(d, name)).find(isExecutable);
}

function debianBinary(pkg: keyof typeof debianPackages): string {
  return findDebianBinary(pkg, debianPackages[pkg].binary, undefined, debianPackages);
}

function findDebianBinary(pkg: string, binary: string, dir: string | undefined, packages: object): string {
  const found = dir ? [join(dir, binary)].find(isExecutable) : which(binary);
  if (!found) {
    const all = Object.keys(packages).join(' ');
    throw new Error(
      `${binary} not found (Debian package ${pkg}). Install the test prerequisites with:\n` +
        `  apt-get update && apt-get install -y --no-install-recommends ${all}\n` +
        `or run 'bash scripts/test.sh', which does it for you.`,
    );
  }
  return found;
}

async function checkGo(): Promise<string> {
  const go = which('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  const advice = `Install Go ${minimumGo} or newer (https://go.dev/doc/install) and put it on PATH, or set KUBEBUILDER_ASSETS/KELEMETRY_TOOLS_DIR to prebuilt binaries.`;
  if (!go) throw new Error(`Go is needed to build the test environment's binaries but was not found. ${advice}`);
  const { stdout } = await execFileAsync(go, ['env', 'GOVERSION']);
  const m = /go(\d+)\.(\d+)/.exec(stdout);
  const [wantMajor, wantMinor] = minimumGo.split('.').map(Number) as [number, number];
  if (!m || Number(m[1]) < wantMajor || (Number(m[1]) === wantMajor && Number(m[2]) < wantMinor)) {
    throw new Error(`Go ${stdout.trim()} is too old to build the test environment. ${advice}`);
  }
  return go;
}

/** `go build` arguments for one tools module, writing the binaries into `outDir`. */
export function goBuildArgs(tool: GoTool, outDir: string): string[] {
  const ldflags = Object.entries(tool.ldflagsX ?? {}).map(([k, v]) => `-X ${k}=${v}`);
  return ['build', '-trimpath', ...(ldflags.length ? ['-ldflags', ldflags.join(' ')] : []), '-o', `${outDir}/`, ...(tool.packages ?? ['tool'])];
}

/** Builds one tools module into its cache folder, printing progress every 20 s. */
async function buildTool(tool: GoTool, log: Logger): Promise<string> {
  const dir = toolDir(tool);
  if (tool.binaries.every((b) => isExecutable(join(dir, b)))) return dir;
  const go = await checkGo();
  const tmp = `${dir}.building-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const what = `${tool.binaries.join(', ')} (${tool.goModule} ${tool.version})`;
  log(`building ${what}; the first build takes ${tool.coldBuildHint}, later runs use the cache in ${toolsCacheDir()}`);
  const started = Date.now();
  const ticker = setInterval(() => log(`  still building ${tool.module}… ${formatDuration(Date.now() - started)}`), 20_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, goBuildArgs(tool, tmp), {
        cwd: join(toolsModulesDir, tool.module),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`go build of ${what} failed (exit ${code}):\n${output.slice(-4000)}`)),
      );
    });
  } finally {
    clearInterval(ticker);
  }
  for (const [from, to] of Object.entries(tool.renames ?? {})) renameSync(join(tmp, from), join(tmp, to));
  // Another process may have finished the same build meanwhile; either copy is good.
  if (!existsSync(dir)) renameSync(tmp, dir);
  else rmSync(tmp, { recursive: true, force: true });
  log(`built ${tool.module} in ${formatDuration(Date.now() - started)}`);
  return dir;
}

function fromAssets(name: string): string | undefined {
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (!assets) return undefined;
  const path = join(assets, name);
  return isExecutable(path) ? path : undefined;
}

/** Finds every binary, building the Go ones that are not cached yet (sequentially: 2 cores are shared). */
export async function ensureBinaries(log: Logger): Promise<Binaries> {
  const redisServer = debianBinary('redis-server');
  const openssl = debianBinary('openssl');
  const etcd = fromAssets('etcd') ?? join(await buildTool(goTools.etcd, log), 'etcd');
  // kube-controller-manager and kube-scheduler are not part of envtest assets, so the kube module is always built.
  const kubeDir = await buildTool(goTools.kube, log);
  const kwokDir = await buildTool(goTools.kwok, log);
  const jaegerDir = await buildTool(goTools.jaeger, log);
  return {
    etcd,
    redisServer,
    openssl,
    kubeApiserver: fromAssets('kube-apiserver') ?? join(kubeDir, 'kube-apiserver'),
    kubeControllerManager: join(kubeDir, 'kube-controller-manager'),
    kubeScheduler: join(kubeDir, 'kube-scheduler'),
    kubectl: fromAssets('kubectl') ?? join(kubeDir, 'kubectl'),
    kwok: join(kwokDir, 'kwok'),
    jaeger: join(jaegerDir, 'jaeger'),
  };
}

/** The real node's binaries (envtest/node): Go-built kubelet, kube-proxy and CoreDNS, and Debian's containerd & co. */
export interface NodeBinaries {
  kubelet: string;
  kubeProxy: string;
  coredns: string;
  containerd: string;
  ctr: string;
  runc: string;
  iptables: string;
  ip6tables: string;
  /** Folder of the CNI plugins (bridge, host-local). */
  cniBinDir: string;
}

/** Finds (building when needed) what a real node runs. Not part of ensureBinaries: only real-node runs pay for it. */
export async function ensureNodeBinaries(log: Logger): Promise<NodeBinaries> {
  const pkgs = nodeDebianPackages;
  const deb = (pkg: keyof typeof pkgs, binary: string = pkgs[pkg].binary) =>
    findDebianBinary(pkg, binary, (pkgs[pkg] as { dir?: string }).dir, pkgs);
  const found = {
    containerd: deb('containerd'),
    ctr: deb('containerd', 'ctr'),
    runc: deb('runc'),
    iptables: deb('iptables'),
    ip6tables: deb('iptables', 'ip6tables'),
    cniBinDir: dirname(deb('containernetworking-plugins')),
  };
  deb('busybox-static');
  const nodeDir = await buildTool(goTools.node, log);
  const corednsDir = await buildTool(goTools.coredns, log);
  return { ...found, kubelet: join(nodeDir, 'kubelet'), kubeProxy: join(nodeDir, 'kube-proxy'), coredns: join(corednsDir, 'coredns') };
}

/** The original Kelemetry's binary (built when needed), for benchmarks that compare with it. */
export async function ensureUpstreamKelemetry(log: Logger): Promise<string> {
  return join(await buildTool(goTools.upstream, log), 'kelemetry');
}

/** Helm v3 for the chart's tests, built on first use (not by ensureBinaries: only those tests need it). */
export async function ensureHelm(log: Logger): Promise<string> {
  return join(await buildTool(goTools.helm, log), 'helm');
}
