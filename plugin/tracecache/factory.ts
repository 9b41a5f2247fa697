/** Builds the configured trace cache (`plugin.traceCache`) on the process's shared store clients. */
import type { Registry } from 'prom-client';
import type { StoreClients } from '../../runtime/store/clients.ts';
import { EtcdTraceCache } from './etcd.ts';
import { MemoryTraceCache } from './memory.ts';
import { RedisTraceCache } from './redis.ts';
import type { TraceCache, TraceCacheConfig } from './types.ts';

/** `stores` stays open when the cache closes (its owner closes it). */
export function createTraceCache(cfg: TraceCacheConfig, deps: { stores: StoreClients; registry?: Registry }): TraceCache {
  switch (cfg.backend) {
    case 'memory':
      return new MemoryTraceCache(cfg, { registry: deps.registry });
    case 'etcd':
      return new EtcdTraceCache(cfg, { client: deps.stores.etcd('plugin.traceCache.backend') });
    case 'redis':
      return new RedisTraceCache(cfg, { client: deps.stores.redis('plugin.traceCache.backend') });
  }
}
