/** Builds the span cache selected by `config.stores.spanCache` (with metrics), owning its connection. */
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import { connectEtcd, connectRedis } from '../store/connect.ts';
import { EtcdSpanCache } from './etcd.ts';
import { instrumentSpanCache } from './instrumented.ts';
import { MemorySpanCache } from './memory.ts';
import { RedisSpanCache } from './redis.ts';
import type { SpanCache } from './types.ts';

export type { CacheEntry, SpanCache } from './types.ts';
export { SpanCacheError, isRetryable } from './types.ts';

export function createSpanCache(config: Config, registry: Registry): SpanCache {
  const { backend, prefix } = config.stores.spanCache;
  let inner: SpanCache;
  let closeConnection = async () => {};
  if (backend === 'etcd') {
    const conn = config.stores.etcd;
    if (!conn) throw new Error('stores.spanCache.backend is "etcd" but stores.etcd is not configured');
    const client = connectEtcd(conn);
    inner = new EtcdSpanCache(client, { prefix });
    closeConnection = async () => client.close();
  } else if (backend === 'redis') {
    const conn = config.stores.redis;
    if (!conn) throw new Error('stores.spanCache.backend is "redis" but stores.redis is not configured');
    const client = connectRedis(conn);
    inner = new RedisSpanCache(client, { prefix });
    closeConnection = async () => {
      await client.quit();
    };
  } else {
    inner = new MemorySpanCache();
  }
  const cache = instrumentSpanCache(inner, registry);
  return {
    ...cache,
    close: async () => {
      await cache.close();
      await closeConnection();
    },
  };
}
