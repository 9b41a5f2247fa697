/**
 * Redis span cache. One string per key, `<state>|<uid>|<payload>` with state `0` (reserved; payload =
 * reservation time in ms) or `1` (initialized; payload = span context JSON), expiring with PX. Reserve
 * and set are Lua scripts, so each is one atomic step (the set is a compare-and-swap on the uid).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SpanCacheError, atLeast, type CacheEntry, type SpanCache } from './types.ts';

const reserveScript = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], '0|' .. ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[2])
  return {'new', ARGV[1]}
end
return {'old', v}
`;

const setReservedScript = `
local v = redis.call('GET', KEYS[1])
if not v then return 'absent' end
if string.sub(v, 1, 1) ~= '0' then return 'initialized' end
local sep = string.find(v, '|', 3, true)
if string.sub(v, 3, sep - 1) ~= ARGV[1] then return 'mismatch' end
redis.call('SET', KEYS[1], '1|' .. ARGV[2] .. '|' .. ARGV[3], 'PX', ARGV[4])
return 'ok'
`;

interface SpanCacheCommands {
  kelemetrySpanReserve(key: string, uid: string, ttlMs: number, nowMs: number): Promise<[string, string]>;
  kelemetrySpanSetReserved(key: string, uid: string, newUid: string, value: string, ttlMs: number): Promise<string>;
}

function parse(key: string, raw: string): CacheEntry {
  const first = raw.indexOf('|');
  const second = raw.indexOf('|', first + 1);
  if (first !== 1 || second < 0) throw new Error(`span cache redis: malformed value in key "${key}"`);
  const uid = raw.slice(2, second);
  if (raw[0] === '0') return { value: null, uid };
  if (raw[0] === '1') return { value: raw.slice(second + 1), uid };
  throw new Error(`span cache redis: invalid state "${raw[0]}" in key "${key}"`);
}

const newUid = () => randomBytes(8).toString('hex');

export interface RedisSpanCacheConfig {
  /** Key prefix, default `/span/`. */
  prefix?: string;
}

export interface RedisSpanCacheDeps {
  /** Shared with other stores: close() leaves it open. */
  client: Redis;
  now?: () => number;
}

export class RedisSpanCache implements SpanCache {
  readonly backend = 'redis';
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly cmd: SpanCacheCommands;
  private readonly redis: Redis;

  constructor(cfg: RedisSpanCacheConfig, deps: RedisSpanCacheDeps) {
    const redis = deps.client;
    this.redis = redis;
    this.prefix = cfg.prefix ?? '/span/';
    this.now = deps.now ?? Date.now;
    // defineCommand sends EVALSHA and falls back to EVAL when the script is not loaded yet.
    if (!('kelemetrySpanReserve' in redis)) {
      redis.defineCommand('kelemetrySpanReserve', { numberOfKeys: 1, lua: reserveScript });
      redis.defineCommand('kelemetrySpanSetReserved', { numberOfKeys: 1, lua: setReservedScript });
    }
    this.cmd = redis as unknown as SpanCacheCommands;
  }

  async fetchOrReserve(key: string, ttlMs: number): Promise<CacheEntry> {
    const [kind, payload] = await this.cmd.kelemetrySpanReserve(this.prefix + key, newUid(), atLeast(ttlMs, 1), this.now());
    if (kind === 'new') return { value: null, uid: payload };
    const entry = parse(key, payload);
    if (entry.value === null) throw new SpanCacheError('AlreadyReserved', key, `reserved by ${entry.uid}`);
    return entry;
  }

  async fetch(key: string): Promise<CacheEntry | undefined> {
    const raw = await this.redis.get(this.prefix + key);
    return raw === null ? undefined : parse(key, raw);
  }

  async setReserved(key: string, value: string, uid: string, ttlMs: number): Promise<void> {
    const result = await this.cmd.kelemetrySpanSetReserved(this.prefix + key, uid, newUid(), value, atLeast(ttlMs, 1));
    if (result === 'ok') return;
    if (result === 'absent') throw new SpanCacheError('InvalidKey', key, 'no reservation (absent or expired)');
    if (result === 'initialized') throw new SpanCacheError('InvalidKey', key, 'already initialized');
    throw new SpanCacheError('UidMismatch', key, 'reserved again by another writer');
  }

  /** The connection belongs to the caller (it may be shared with other stores). */
  async close(): Promise<void> {}
}
