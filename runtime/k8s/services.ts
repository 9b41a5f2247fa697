/** The Kubernetes-side services shared by the informers and linkers of one process. */
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import { informersConfigOf } from '../config/sections/informers.ts';
import type { VersionedKey } from '../model/objectKey.ts';
import type { Logger } from '../util/log.ts';
import { createKubeClients, type KubeClients } from './clients.ts';
import { Discovery } from './discovery.ts';
import { ObjectCache, type KubeObjectJson } from './objectCache.ts';

export interface KubeServices {
  clients: KubeClients;
  discovery: Discovery;
  objectCache: ObjectCache;
  close(): void;
}

export function createKubeServices(
  config: Config,
  logger: Logger,
  registry: Registry,
  deletedFallback?: (key: VersionedKey) => Promise<KubeObjectJson | undefined>,
): KubeServices {
  const kube = informersConfigOf(config).kube;
  const clients = createKubeClients(config.clusters, kube.requestTimeout);
  const discovery = new Discovery(clients, logger, registry, kube.discoveryResyncInterval);
  const objectCache = new ObjectCache({
    clients,
    discovery,
    logger: logger.child({ component: 'object-cache' }),
    registry,
    maxBytes: kube.objectCacheMaxBytes,
    storeTtlMs: kube.objectCacheStoreTtl,
    fetchTimeoutMs: kube.objectCacheFetchTimeout,
    deletedFallback,
  });
  return {
    clients,
    discovery,
    objectCache,
    close() {
      discovery.stop();
      clients.close();
    },
  };
}
