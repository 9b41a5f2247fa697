/**
 * The Redis side of the durable audit queue: key names, the connection, one MULTI per batch of XADDs,
 * group reads and acks, and the lease and heartbeat scripts (each one atomic step, run with EVALSHA).
 *
 *   <prefix>:p<N>         stream of partition N (field `k` = object key, `m` = message JSON)
 *   <prefix>:lease:<N>    holder of partition N's lease (PX = lease duration)
 *   <prefix>:replicas     sorted set of live replicas, scored by heartbeat expiry (Redis time, ms)
 */
import type { Redis } from 'ioredis';
import type { AuditQueueRedisConfig } from '../../config/sections/audit.ts';
import { connectRedis } from '../../store/connect.ts';
import type { Logger } from '../../util/log.ts';
import type { LeaseStore } from './lease.ts';

const renewScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Redis's own clock, so replicas with skewed clocks agree on who is alive. */
const heartbeatScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

interface QueueCommands {
  kelemetryLeaseRenew(key: string, replica: string, ttlMs: number): Promise<number>;
  kelemetryLeaseRelease(key: string, replica: string): Promise<number>;
  kelemetryHeartbeat(key: string, replica: string, ttlMs: number): Promise<string[]>;
}

/** One stream entry: its ID and fields, or null fields when the stream was trimmed past a pending entry. */
export type StreamEntry = [id: string, fields: string[] | null];

/** A client for the queue (`blocking`: for XREADGROUP BLOCK, which holds its connection). */
export function connectQueueRedis(cfg: AuditQueueRedisConfig, blocking = false, logger?: Logger): Redis {
  const url = `${cfg.tls ? 'rediss' : 'redis'}://${cfg.address}/${cfg.db}`;
  return connectRedis({ url, tls: cfg.tls, passwordEnv: cfg.passwordEnv, passwordFile: cfg.passwordFile }, 'audit.queue.redis', {
    // The webhook must answer (503) rather than wait for a server that is gone; a blocking read waits longer.
    commandTimeout: blocking ? undefined : 5_000,
    maxRetriesPerRequest: blocking ? null : 1,
    lazyConnect: false,
  }, logger);
}

/**
 * The entries of a one-stream XREADGROUP reply: RESP2 gives `[[key, entries]]`, ioredis 6 over RESP3
 * flattens the map to `[key, entries]`; null when a blocking read timed out.
 */
export function streamEntries(reply: unknown[] | null): StreamEntry[] {
  if (!reply || reply.length === 0) return [];
  const pair = typeof reply[0] === 'string' || Buffer.isBuffer(reply[0]) ? reply : (reply[0] as unknown[]);
  return (pair[1] as StreamEntry[] | undefined) ?? [];
}

export class QueueKeys {
  constructor(readonly prefix: string) {}
  stream(p: number): string {
    return `${this.prefix}:p${p}`;
  }
  lease(p: number): string {
    return `${this.prefix}:lease:${p}`;
  }
  get replicas(): string {
    return `${this.prefix}:replicas`;
  }
}

export class RedisQueueStore implements LeaseStore {
  private readonly cmd: QueueCommands;

  constructor(
    readonly redis: Redis,
    readonly keys: QueueKeys,
    readonly group: string,
  ) {
    if (!('kelemetryLeaseRenew' in redis)) {
      redis.defineCommand('kelemetryLeaseRenew', { numberOfKeys: 1, lua: renewScript });
      redis.defineCommand('kelemetryLeaseRelease', { numberOfKeys: 1, lua: releaseScript });
      redis.defineCommand('kelemetryHeartbeat', { numberOfKeys: 1, lua: heartbeatScript });
    }
    this.cmd = redis as unknown as QueueCommands;
  }

  /** Creates each partition's stream and consumer group (from the start: nothing already added is skipped). */
  async ensureGroups(partitions: number): Promise<void> {
    for (let p = 0; p < partitions; p++) await this.ensureGroup(p);
  }

  /** Also after a Redis restart without persistence, when a read finds no group (NOGROUP). */
  async ensureGroup(p: number): Promise<void> {
    try {
      await this.redis.call('XGROUP', 'CREATE', this.keys.stream(p), this.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
    }
  }

  /** All entries or none: one MULTI/EXEC. */
  async add(entries: { partition: number; key: string; json: string }[], maxLen: number): Promise<void> {
    const multi = this.redis.multi();
    for (const e of entries) multi.call('XADD', this.keys.stream(e.partition), 'MAXLEN', '~', String(maxLen), '*', 'k', e.key, 'm', e.json);
    const results = await multi.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new Error(`XADD of ${entries.length} entries failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
  }

  /** Reads as `consumer`: `after` = an ID reads its own pending entries after it; '>' reads new ones (blocking). */
  async read(client: Redis, p: number, consumer: string, after: string, count: number, blockMs: number): Promise<StreamEntry[]> {
    const block = after === '>' ? ['BLOCK', String(blockMs)] : [];
    const reply = (await client.call('XREADGROUP', 'GROUP', this.group, consumer, 'COUNT', String(count), ...block, 'STREAMS', this.keys.stream(p), after)) as unknown[] | null;
    return streamEntries(reply);
  }

  async ack(p: number, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.call('XACK', this.keys.stream(p), this.group, ...ids);
  }

  /** Entries not yet delivered plus delivered and not acked (Redis 7 `lag` + `pending`). */
  async lag(p: number): Promise<number> {
    const groups = (await this.redis.call('XINFO', 'GROUPS', this.keys.stream(p))) as unknown[][];
    for (const g of groups) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), g[i + 1]);
      if (info.get('name') === this.group) return Number(info.get('lag') ?? 0) + Number(info.get('pending') ?? 0);
    }
    return 0;
  }

  heartbeat(replica: string, ttlMs: number): Promise<string[]> {
    return this.cmd.kelemetryHeartbeat(this.keys.replicas, replica, ttlMs);
  }

  async acquire(p: number, replica: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.lease(p), replica, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async renew(p: number, replica: string, ttlMs: number): Promise<boolean> {
    return (await this.cmd.kelemetryLeaseRenew(this.keys.lease(p), replica, ttlMs)) === 1;
  }

  async release(p: number, replica: string): Promise<void> {
    await this.cmd.kelemetryLeaseRelease(this.keys.lease(p), replica);
  }

  async leave(replica: string): Promise<void> {
    await this.redis.zrem(this.keys.replicas, replica);
  }
}
