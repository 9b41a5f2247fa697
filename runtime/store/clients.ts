/**
 * The process's connections to the shared stores (`config.stores`): one etcd client and one Redis
 * client, opened on first use and shared by every cache kept there (span cache, diff cache, trace
 * cache). The caches never close them; the owner of this object closes them once, after the caches.
 */
import type { Etcd3 } from 'etcd3';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../util/log.ts';
import { sleep } from '../util/sleep.ts';
import { connectEtcd, connectRedis } from './connect.ts';

export type StoresConfig = Pick<Config['stores'], 'etcd' | 'redis'>;

/** How long close() waits for Redis to acknowledge QUIT before dropping the connection. */
const redisQuitTimeoutMs = 2_000;

export class StoreClients {
  private etcdClient: Etcd3 | undefined;
  private redisClient: Redis | undefined;

  constructor(
    private readonly cfg: StoresConfig,
    private readonly logger?: Logger,
  ) {}

  /** The shared etcd client. `selectedBy` names the setting that chose etcd, for the error when stores.etcd is absent. */
  etcd(selectedBy: string): Etcd3 {
    if (!this.cfg.etcd) throw new Error(`${selectedBy} is "etcd" but stores.etcd is not configured`);
    return (this.etcdClient ??= connectEtcd(this.cfg.etcd));
  }

  /** The shared Redis client. `selectedBy` names the setting that chose Redis, for the error when stores.redis is absent. */
  redis(selectedBy: string): Redis {
    if (!this.cfg.redis) throw new Error(`${selectedBy} is "redis" but stores.redis is not configured`);
    return (this.redisClient ??= connectRedis(this.cfg.redis, 'stores.redis', {}, this.logger));
  }

  async close(): Promise<void> {
    const { etcdClient: etcd, redisClient: redis } = this;
    this.etcdClient = this.redisClient = undefined;
    etcd?.close();
    if (redis) {
      // QUIT lets pending replies arrive; an unreachable server must not hold up shutdown.
      const quit = new AbortController();
      await Promise.race([redis.quit().catch(() => undefined).finally(() => quit.abort()), sleep(redisQuitTimeoutMs, quit.signal)]);
      redis.disconnect();
    }
  }
}
