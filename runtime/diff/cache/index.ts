/**
 * Builds the configured diff cache (memory | etcd | Redis) on the process's shared store clients,
 * optionally with a memory read-through, always instrumented.
 */
import type { Registry } from 'prom-client';
import type { DiffCacheConfig } from '../../config/sections/informers.ts';
import type { StoreClients } from '../../store/clients.ts';
import { RvIndexPolicy, type DiffCache } from '../types.ts';
import { EtcdDiffCache } from './etcd.ts';
import { InstrumentedDiffCache } from './instrumented.ts';
import { MemoryDiffCache } from './memory.ts';
import { ReadThroughDiffCache } from './readThrough.ts';
import { RedisDiffCache } from './redis.ts';

/** `stores` stays open when the cache closes (its owner closes it). */
export function createDiffCache(cfg: DiffCacheConfig, stores: StoreClients, registry: Registry): DiffCache {
  const policy = new RvIndexPolicy(cfg.useOldResourceVersionClusters);
  const ttls = { patchTtlMs: cfg.patchTtl, snapshotTtlMs: cfg.snapshotTtl };
  let cache: DiffCache;
  switch (cfg.backend) {
    case 'memory':
      return new InstrumentedDiffCache(new MemoryDiffCache({ policy, ...ttls, maxBytes: cfg.memoryMaxBytes }), registry, 'memory');
    case 'etcd':
      cache = new EtcdDiffCache({ client: stores.etcd('informers.diffCache.backend'), prefix: cfg.prefix, policy, ...ttls });
      break;
    case 'redis':
      cache = new RedisDiffCache({ client: stores.redis('informers.diffCache.backend'), prefix: cfg.prefix, policy, ...ttls });
      break;
  }
  cache = new InstrumentedDiffCache(cache, registry, cfg.backend);
  if (cfg.memoryReadThrough) cache = new ReadThroughDiffCache({ inner: cache, policy, ...ttls, maxBytes: cfg.memoryMaxBytes, registry });
  return cache;
}
