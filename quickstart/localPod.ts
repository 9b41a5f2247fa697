/**
 * A tiny local "kubelet" for the quickstart: runs one replica of a rendered Pod template as local
 * processes, because these machines have no container runtime. It does what a kubelet would do for
 * these pods and nothing more:
 *  - materializes configMap, secret and emptyDir volumes into a folder per pod;
 *  - gives every container port a free 127.0.0.1 host port (containers of one pod share the mapping,
 *    as they share a network namespace), rewriting `0.0.0.0:P`, `127.0.0.1:P` and `localhost:P`;
 *  - rewrites mount paths in arguments and mounted files to the local folders;
 *  - resolves env from values, fieldRefs, and Secret/ConfigMap key refs.
 * The rendered config is otherwise used exactly as the operator wrote it.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { freePort } from '../envtest/ports.ts';
import { startProcess, type ProcessRecord } from '../envtest/process.ts';

export interface LocalCommand {
  command: string;
  /** Prepended to the container's args (e.g. the CLI entry script). */
  args: string[];
}

export interface LocalPodOptions {
  /** Pod name for logs and fieldRefs, e.g. `kelemetry-consumer-local`. */
  name: string;
  namespace: string;
  spec: k8s.V1PodSpec;
  core: k8s.CoreV1Api;
  /** Folder for this pod's volumes. */
  dir: string;
  logDir: string;
  /** How to run a container image here; undefined = the image cannot run locally (an error). */
  commandFor(container: k8s.V1Container): LocalCommand | undefined;
  /** Host ports to use for given container ports (e.g. the audit webhook port the apiserver already targets). */
  fixedPorts?: Record<number, number>;
}

export interface LocalPod {
  name: string;
  processes: ProcessRecord[];
  /** containerPort → 127.0.0.1 host port. */
  ports: Map<number, number>;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Rewrites container paths and ports to local ones in ONE pass, so a replacement is never rewritten
 * again (a mount at /tmp must not touch the local folders, which live under /tmp too).
 */
export function rewriter(mounts: Map<string, string>, ports: Map<number, number>): (text: string) => string {
  const hostPort = (p: number) => `127.0.0.1:${ports.get(p)}`;
  const portAlt = [...ports.keys()].map(String).join('|');
  // Longest mount path first, so /etc/kelemetry/config wins over /etc/kelemetry.
  const pathAlt = [...mounts.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
  const parts = [portAlt && `(?:0\\.0\\.0\\.0|127\\.0\\.0\\.1|localhost|\\[::\\]):(${portAlt})(?!\\d)`, pathAlt && `(?<![\\w./-])(${pathAlt})(?![\\w.-])`].filter(Boolean);
  if (parts.length === 0) return (text) => text;
  const pattern = new RegExp(parts.join('|'), 'g');
  return (text) =>
    text.replace(pattern, (match, port?: string, path?: string) => {
      if (port) return hostPort(Number(port));
      if (path) return mounts.get(path)!;
      return match;
    });
}

async function materializeVolume(volume: k8s.V1Volume, dir: string, core: k8s.CoreV1Api, namespace: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const write = (data: Record<string, Buffer>, items?: { key: string; path: string }[]) => {
    const selected = items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const { key, path } of selected) {
      const value = data[key];
      if (value === undefined) throw new Error(`volume ${volume.name}: key ${key} not found`);
      writeFileSync(join(dir, path), value, { mode: 0o600 });
    }
  };
  if (volume.configMap) {
    const cm = await core.readNamespacedConfigMap({ name: volume.configMap.name!, namespace });
    write(Object.fromEntries(Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(v)])), volume.configMap.items);
  } else if (volume.secret) {
    const secret = await core.readNamespacedSecret({ name: volume.secret.secretName!, namespace });
    write(Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])), volume.secret.items);
  } else if (!volume.emptyDir) {
    throw new Error(`volume ${volume.name}: only configMap, secret and emptyDir volumes can run locally`);
  }
}

function rewriteFiles(dir: string, rewrite: (text: string) => string): void {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) rewriteFiles(path, rewrite);
    else if (/\.(ya?ml|json|conf|kubeconfig)$|^kubeconfig$/.test(entry)) writeFileSync(path, rewrite(readFileSync(path, 'utf8')));
  }
}

async function resolveEnv(container: k8s.V1Container, opts: LocalPodOptions): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const from = e.valueFrom;
    if (e.value !== undefined) env[e.name] = e.value;
    else if (from?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = opts.name;
    else if (from?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = opts.namespace;
    else if (from?.secretKeyRef) {
      const s = await opts.core.readNamespacedSecret({ name: from.secretKeyRef.name!, namespace: opts.namespace });
      const v = s.data?.[from.secretKeyRef.key];
      if (v !== undefined) env[e.name] = Buffer.from(v, 'base64').toString();
    } else if (from?.configMapKeyRef) {
      const cm = await opts.core.readNamespacedConfigMap({ name: from.configMapKeyRef.name!, namespace: opts.namespace });
      const v = cm.data?.[from.configMapKeyRef.key];
      if (v !== undefined) env[e.name] = v;
    }
  }
  return env;
}

export async function startLocalPod(opts: LocalPodOptions): Promise<LocalPod> {
  const ports = new Map<number, number>();
  for (const c of opts.spec.containers) {
    for (const p of c.ports ?? []) {
      if (!ports.has(p.containerPort)) ports.set(p.containerPort, opts.fixedPorts?.[p.containerPort] ?? (await freePort()));
    }
  }
  const volumeDirs = new Map<string, string>();
  for (const v of opts.spec.volumes ?? []) {
    const dir = join(opts.dir, 'volumes', v.name);
    await materializeVolume(v, dir, opts.core, opts.namespace);
    volumeDirs.set(v.name, dir);
  }
  // One mapping for the whole pod: its containers share volumes and a network namespace.
  const mounts = new Map(opts.spec.containers.flatMap((c) => (c.volumeMounts ?? []).map((m) => [m.mountPath, volumeDirs.get(m.name)!] as const)));
  const rewrite = rewriter(mounts, ports);
  for (const dir of volumeDirs.values()) rewriteFiles(dir, rewrite);
  const processes: ProcessRecord[] = [];
  for (const c of opts.spec.containers) {
    const local = opts.commandFor(c);
    if (!local) throw new Error(`container ${c.name} (image ${c.image}) has no local equivalent`);
    const args = [...local.args, ...(c.command?.slice(1) ?? []), ...(c.args ?? []).map(rewrite)];
    processes.push(
      startProcess({
        name: `${opts.name}-${c.name}`,
        command: local.command,
        args,
        logDir: opts.logDir,
        env: await resolveEnv(c, opts),
        cwd: opts.dir,
      }),
    );
  }
  return { name: opts.name, processes, ports };
}
