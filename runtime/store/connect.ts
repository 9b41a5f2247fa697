/** Client construction for the shared stores named in `config.stores` (TLS, auth from the environment). */
import { readFileSync } from 'node:fs';
import { Etcd3, type IOptions } from 'etcd3';
import { Redis, type RedisOptions } from 'ioredis';
import type { z } from 'zod';
import type { clientTls, etcdConnection, redisConnection } from '../config/common.ts';
import type { Logger } from '../util/log.ts';

type EtcdConnection = z.output<typeof etcdConnection>;
type RedisConnection = z.output<typeof redisConnection>;
type ClientTls = z.output<typeof clientTls>;

/** The password from `passwordFile` (trailing newline dropped) or `passwordEnv`; undefined when neither is set. */
function password(conn: { passwordEnv?: string; passwordFile?: string }, what: string): string | undefined {
  if (conn.passwordFile) {
    try {
      return readFileSync(conn.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new Error(`${what}: cannot read passwordFile ${conn.passwordFile}: ${(err as Error).message}`);
    }
  }
  if (!conn.passwordEnv) return undefined;
  const v = process.env[conn.passwordEnv];
  if (v === undefined) throw new Error(`${what}: environment variable ${conn.passwordEnv} (passwordEnv) is not set`);
  return v;
}

function readTls(tls: ClientTls | undefined, what: string): { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  if (!tls) return undefined;
  const read = (file: string | undefined, field: string) => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`${what}: cannot read tls.${field} ${file}: ${(err as Error).message}`);
    }
  };
  return { ca: read(tls.caFile, 'caFile'), cert: read(tls.certFile, 'certFile'), key: read(tls.keyFile, 'keyFile') };
}

export function connectEtcd(conn: EtcdConnection): Etcd3 {
  const tls = readTls(conn.tls, 'stores.etcd');
  const secret = password(conn, 'stores.etcd');
  const opts: IOptions = {
    hosts: conn.endpoints,
    dialTimeout: conn.dialTimeout,
    ...(conn.username && secret !== undefined ? { auth: { username: conn.username, password: secret } } : {}),
    ...(tls ? { credentials: { rootCertificate: tls.ca ?? Buffer.alloc(0), certChain: tls.cert, privateKey: tls.key } } : {}),
  };
  return new Etcd3(opts);
}

/**
 * Connection errors (the server restarting) reach `logger` at most every 10 s with a count. Without a
 * listener ioredis prints "Unhandled error event" on every reconnect attempt; the commands that fail
 * meanwhile report their own errors to their callers either way.
 */
function reportConnectionErrors(client: Redis, what: string, logger: Logger | undefined): void {
  let last = 0;
  let since = 0;
  client.on('error', (err: Error) => {
    since++;
    if (!logger || Date.now() - last < 10_000) return;
    logger.warn('redis connection error', { store: what, errors: since, err });
    [last, since] = [Date.now(), 0];
  });
}

/** `what` names the setting in errors; `extra` adds client options (the audit queue's timeouts). */
export function connectRedis(conn: RedisConnection, what = 'stores.redis', extra: RedisOptions = {}, logger?: Logger): Redis {
  const tls = readTls(conn.tls, what);
  const opts: RedisOptions = {
    password: password(conn, what),
    // Fail a command after a few reconnect attempts instead of queueing it forever.
    maxRetriesPerRequest: 3,
    ...extra,
    ...(tls || conn.url.startsWith('rediss://') ? { tls: { ...tls, rejectUnauthorized: !conn.tls?.insecureSkipVerify } } : {}),
  };
  const client = new Redis(conn.url, opts);
  reportConnectionErrors(client, what, logger);
  return client;
}
