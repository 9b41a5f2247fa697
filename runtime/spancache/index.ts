/** Builds the span cache selected by `stores.spanCache` (with metrics) on the process's shared store clients. */
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { StoreClients } from '../store/clients.ts';
import { EtcdSpanCache } from './etcd.ts';
import { instrumentSpanCache } from './instrumented.ts';
import { MemorySpanCache } from './memory.ts';
import { RedisSpanCache } from './redis.ts';
import type { SpanCache } from './types.ts';

export type SpanCacheConfig = Config['stores']['spanCache'];

export interface SpanCacheDeps {
  /** Connections to etcd / Redis; they stay open when the cache closes (their owner closes them). */
  stores: StoreClients;
  registry: Registry;
}

export function createSpanCache(cfg: SpanCacheConfig, deps: SpanCacheDeps): SpanCache {
  return instrumentSpanCache(backendFor(cfg, deps.stores), deps.registry);
}

function backendFor(cfg: SpanCacheConfig, stores: StoreClients): SpanCache {
  switch (cfg.backend) {
    case 'etcd':
      return new EtcdSpanCache(cfg, { client: stores.etcd('stores.spanCache.backend') });
    case 'redis':
      return new RedisSpanCache(cfg, { client: stores.redis('stores.spanCache.backend') });
    case 'memory':
      return new MemorySpanCache();
  }
}
