/**
 * Credentials for one API server, read from a kubeconfig file or the pod's service account, without
 * client-node: importing client-node costs every runtime process about 27 MiB of heap and 70 MiB of RSS
 * (its generated API models load with its KubeConfig), while the runtime needs only the server address,
 * TLS material and a token. Kubeconfig users with `exec` or `auth-provider` (cloud plugins, OIDC) are
 * handed to client-node, loaded only then.
 */
import { readFileSync } from 'node:fs';
import type https from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

export interface KubeCredentials {
  /** The API server's URL. */
  readonly server: string;
  /** Sets TLS options and the Authorization header for one request (tokens are re-read as they rotate). */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** A projected service account token is rotated well before it expires; re-read it this often. */
const TOKEN_REREAD_MS = 60_000;

/** A token file read again once a minute (bound service account tokens rotate). */
class TokenFile {
  private token = '';
  private readAt = 0;

  constructor(private readonly path: string) {}

  get(): string {
    if (Date.now() - this.readAt > TOKEN_REREAD_MS) {
      this.token = readFileSync(this.path, 'utf8').trim();
      this.readAt = Date.now();
    }
    return this.token;
  }
}

interface Material {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecure: boolean;
  serverName?: string;
  token?: TokenFile | string;
  basic?: string;
}

class StaticCredentials implements KubeCredentials {
  constructor(private readonly m: Material) {}

  get server(): string {
    return this.m.server;
  }

  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    const m = this.m;
    if (m.ca) opts.ca = m.ca;
    if (m.cert) opts.cert = m.cert;
    if (m.key) opts.key = m.key;
    if (m.serverName) opts.servername = m.serverName;
    opts.rejectUnauthorized = !m.insecure;
    const token = typeof m.token === 'string' ? m.token : m.token?.get();
    const headers = { ...(opts.headers as Record<string, string> | undefined) };
    if (token) headers.Authorization = `Bearer ${token}`;
    opts.headers = headers;
    if (m.basic) opts.auth = m.basic;
    return Promise.resolve();
  }
}

/** The pod's service account: the API server from the kubelet's environment, CA and token from the mounted files. */
export function inClusterCredentials(dir = SERVICE_ACCOUNT_DIR, env: NodeJS.ProcessEnv = process.env): KubeCredentials {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: not running in a pod (give a kubeconfig)');
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new StaticCredentials({ server, ca: readFileSync(join(dir, 'ca.crt')), insecure: false, token: new TokenFile(join(dir, 'token')) });
}

type Named<T> = { name?: string } & T;
interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}
interface UserEntry {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
  clusters?: Named<{ cluster?: ClusterEntry }>[];
  users?: Named<{ user?: UserEntry }>[];
}

/** Inline base64 data, else the file (relative to the kubeconfig's folder), else nothing. */
function material(data: string | undefined, file: string | undefined, base: string): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSync(isAbsolute(file) ? file : join(base, file));
  return undefined;
}

/** Its current context's cluster and user. Throws naming what is missing. */
export function kubeconfigCredentials(file: string): KubeCredentials {
  const doc = (parse(readFileSync(file, 'utf8')) ?? {}) as KubeconfigFile;
  const contextName = doc['current-context'];
  if (!contextName) throw new Error('no current-context');
  const context = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`context "${contextName}" not found`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`cluster "${context.cluster ?? ''}" of context "${contextName}" not found or has no server`);
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  if (user.exec || user['auth-provider']) return new ClientNodeCredentials(file, cluster.server);
  const base = dirname(file);
  return new StaticCredentials({
    server: cluster.server,
    ca: material(cluster['certificate-authority-data'], cluster['certificate-authority'], base),
    cert: material(user['client-certificate-data'], user['client-certificate'], base),
    key: material(user['client-key-data'], user['client-key'], base),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    serverName: cluster['tls-server-name'],
    token: user.token ?? (user.tokenFile ? new TokenFile(isAbsolute(user.tokenFile) ? user.tokenFile : join(base, user.tokenFile)) : undefined),
    basic: user.username !== undefined ? `${user.username}:${user.password ?? ''}` : undefined,
  });
}

/** Exec and auth-provider users: client-node runs the plugin and caches what it returns. */
class ClientNodeCredentials implements KubeCredentials {
  private loaded: Promise<{ applyToHTTPSOptions(o: https.RequestOptions): Promise<void> }> | undefined;

  constructor(
    private readonly file: string,
    readonly server: string,
  ) {}

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    this.loaded ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      kc.loadFromFile(this.file);
      return kc;
    });
    await (await this.loaded).applyToHTTPSOptions(opts);
  }
}
