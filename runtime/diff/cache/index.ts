/** Builds the configured diff cache (memory | etcd | Redis), optionally with a memory read-through, always instrumented. */
import type { Registry } from 'prom-client';
import type { Config } from '../../config/schema.ts';
import type { DiffCacheConfig } from '../../config/sections/informers.ts';
import { connectEtcd, connectRedis } from '../../store/connect.ts';
import { RvIndexPolicy, type DiffCache } from '../types.ts';
import { EtcdDiffCache } from './etcd.ts';
import { InstrumentedDiffCache } from './instrumented.ts';
import { MemoryDiffCache } from './memory.ts';
import { ReadThroughDiffCache } from './readThrough.ts';
import { RedisDiffCache } from './redis.ts';

type Stores = Config['stores'];

export function createDiffCache(cfg: DiffCacheConfig, stores: Stores, registry: Registry): DiffCache {
  const policy = new RvIndexPolicy(cfg.useOldResourceVersionClusters);
  const ttls = { patchTtlMs: cfg.patchTtl, snapshotTtlMs: cfg.snapshotTtl };
  let cache: DiffCache;
  switch (cfg.backend) {
    case 'memory':
      return new InstrumentedDiffCache(new MemoryDiffCache({ policy, ...ttls, maxBytes: cfg.memoryMaxBytes }), registry, 'memory');
    case 'etcd':
      if (!stores.etcd) throw new Error('informers.diffCache.backend is etcd but stores.etcd is not configured');
      cache = new EtcdDiffCache({ client: connectEtcd(stores.etcd), prefix: cfg.prefix, policy, ...ttls, ownsClient: true });
      break;
    case 'redis':
      if (!stores.redis) throw new Error('informers.diffCache.backend is redis but stores.redis is not configured');
      cache = new RedisDiffCache({ client: connectRedis(stores.redis), prefix: cfg.prefix, policy, ...ttls, ownsClient: true });
      break;
  }
  cache = new InstrumentedDiffCache(cache, registry, cfg.backend);
  if (cfg.memoryReadThrough) cache = new ReadThroughDiffCache({ inner: cache, policy, ...ttls, maxBytes: cfg.memoryMaxBytes, registry });
  return cache;
}
