/** Builds the configured trace cache from the shared store connections (`stores.etcd`, `stores.redis`). */
import { Etcd3 } from 'etcd3';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { Config } from '../../runtime/config/schema.ts';
import { EtcdTraceCache } from './etcd.ts';
import { MemoryTraceCache } from './memory.ts';
import { RedisTraceCache } from './redis.ts';
import type { TraceCache } from './types.ts';

function secretFromEnv(name: string | undefined, what: string): string | undefined {
  if (!name) return undefined;
  const v = process.env[name];
  if (v === undefined) throw new Error(`${what}: environment variable ${name} (passwordEnv) is not set`);
  return v;
}

export function createTraceCache(config: Config): TraceCache {
  const tc = config.plugin!.traceCache;
  switch (tc.backend) {
    case 'memory':
      return new MemoryTraceCache(tc.ttl);
    case 'etcd': {
      const etcd = config.stores.etcd;
      if (!etcd) throw new Error('plugin.traceCache.backend is etcd but stores.etcd is not configured');
      const tls = etcd.tls;
      const client = new Etcd3({
        hosts: etcd.endpoints,
        dialTimeout: etcd.dialTimeout,
        ...(etcd.username ? { auth: { username: etcd.username, password: secretFromEnv(etcd.passwordEnv, 'stores.etcd') ?? '' } } : {}),
        ...(tls
          ? {
              credentials: {
                rootCertificate: tls.caFile ? readFileSync(tls.caFile) : Buffer.alloc(0),
                ...(tls.certFile ? { certChain: readFileSync(tls.certFile) } : {}),
                ...(tls.keyFile ? { privateKey: readFileSync(tls.keyFile) } : {}),
              },
            }
          : {}),
      });
      return new EtcdTraceCache(client, tc.prefix, tc.ttl, true);
    }
    case 'redis': {
      const redis = config.stores.redis;
      if (!redis) throw new Error('plugin.traceCache.backend is redis but stores.redis is not configured');
      const password = secretFromEnv(redis.passwordEnv, 'stores.redis');
      const client = new Redis(redis.url, {
        lazyConnect: false,
        maxRetriesPerRequest: 2,
        ...(password ? { password } : {}),
        ...(redis.tls ? { tls: { ca: redis.tls.caFile ? readFileSync(redis.tls.caFile) : undefined, rejectUnauthorized: !redis.tls.insecureSkipVerify } } : {}),
      });
      return new RedisTraceCache(client, tc.prefix, tc.ttl, true);
    }
  }
}
