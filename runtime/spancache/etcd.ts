/**
 * etcd span cache, in the Go writer's layout (spec 4.1, 13.2) so mixed writers agree:
 * key `<prefix><cache key>`, value = state byte + payload (`0x00` + 8-byte little-endian reservation time
 * in ms, or `0x01` + the span context JSON). Reservations live on a lease of the reserve TTL, so a crashed
 * creator's key disappears when the lease expires. The UID is the key's mod revision, and setReserved is
 * a transaction conditioned on it (compare-and-swap).
 */
import type { Etcd3, Namespace } from 'etcd3';
import type { IKeyValue, ITxnResponse } from 'etcd3/lib/rpc.js';
import { SpanCacheError, atLeast, type CacheEntry, type SpanCache } from './types.ts';

const stateReserved = 0x00;
const stateInitialized = 0x01;

function reservedValue(nowMs: number): Buffer {
  const buf = Buffer.alloc(9);
  buf[0] = stateReserved;
  buf.writeBigUInt64LE(BigInt(nowMs), 1);
  return buf;
}

function firstKv(res: ITxnResponse): IKeyValue | undefined {
  return res.responses[0]?.response_range?.kvs[0];
}

export interface EtcdSpanCacheConfig {
  /** Key prefix, default `/span/`. */
  prefix?: string;
  /**
   * Deadline of each etcd call (default 5 s). Without one, a call sent while etcd restarts can wait for
   * ever, and every later event of its object (and then of its partition) waits behind it.
   */
  callTimeoutMs?: number;
}

export interface EtcdSpanCacheDeps {
  /** Shared with other stores: close() leaves it open. */
  client: Etcd3;
  now?: () => number;
}

export class EtcdSpanCache implements SpanCache {
  readonly backend = 'etcd';
  private readonly ns: Namespace;
  private readonly now: () => number;
  private readonly callTimeoutMs: number;

  constructor(cfg: EtcdSpanCacheConfig, deps: EtcdSpanCacheDeps) {
    this.ns = deps.client.namespace(cfg.prefix ?? '/span/');
    this.now = deps.now ?? Date.now;
    this.callTimeoutMs = cfg.callTimeoutMs ?? 5_000;
  }

  /** gRPC options of one call: its deadline (wall clock, whatever `now` the tests give). */
  private call(): { deadline: Date } {
    return { deadline: new Date(Date.now() + this.callTimeoutMs) };
  }

  private async grantLease(ttlMs: number): Promise<string> {
    // etcd leases are whole seconds (and etcd raises very short ones to its minimum).
    const res = await this.ns.leaseClient.leaseGrant({ TTL: atLeast(ttlMs / 1000, 1), ID: 0 }, this.call());
    return res.ID;
  }

  private decode(key: string, kv: IKeyValue): CacheEntry {
    const state = kv.value[0];
    if (state === stateReserved) return { value: null, uid: kv.mod_revision };
    if (state === stateInitialized) return { value: kv.value.subarray(1).toString('utf8'), uid: kv.mod_revision };
    throw new Error(`span cache etcd: invalid header byte ${String(state)} in key "${key}"`);
  }

  async fetchOrReserve(key: string, ttlMs: number): Promise<CacheEntry> {
    // Most calls find an initialized entry: read first, so they cost one round trip and no lease.
    const existing = await this.fetch(key);
    if (existing) return this.existingOrConflict(key, existing);
    const lease = await this.grantLease(ttlMs);
    const res = await this.ns
      .if(key, 'Create', '==', 0)
      .then(this.ns.put(key).value(reservedValue(this.now())).lease(lease))
      .else(this.ns.get(key))
      .options(this.call())
      .commit();
    if (res.succeeded) return { value: null, uid: res.header.revision };
    // Lost the race; the unused lease expires with the reserve TTL on its own.
    const kv = firstKv(res);
    if (!kv) throw new SpanCacheError('AlreadyReserved', key, 'key vanished during reservation');
    return this.existingOrConflict(key, this.decode(key, kv));
  }

  private existingOrConflict(key: string, entry: CacheEntry): CacheEntry {
    if (entry.value === null) throw new SpanCacheError('AlreadyReserved', key, `reserved at revision ${entry.uid}`);
    return entry;
  }

  async fetch(key: string): Promise<CacheEntry | undefined> {
    const res = await this.ns.get(key).options(this.call()).exec();
    const kv = res.kvs[0];
    return kv && this.decode(key, kv);
  }

  async setReserved(key: string, value: string, uid: string, ttlMs: number): Promise<void> {
    const lease = await this.grantLease(ttlMs);
    const payload = Buffer.concat([Buffer.from([stateInitialized]), Buffer.from(value, 'utf8')]);
    const res = await this.ns.if(key, 'Mod', '==', uid).then(this.ns.put(key).value(payload).lease(lease)).else(this.ns.get(key)).options(this.call()).commit();
    if (res.succeeded) return;
    const revoke = this.ns.leaseClient.leaseRevoke({ ID: lease }, this.call()).then(
      () => '',
      (err: Error) => ` (revoking unused lease ${lease} failed: ${err.message})`,
    );
    const kv = firstKv(res);
    if (!kv) throw new SpanCacheError('InvalidKey', key, `no reservation (absent or expired)${await revoke}`);
    if (kv.value[0] === stateInitialized) throw new SpanCacheError('InvalidKey', key, `already initialized${await revoke}`);
    throw new SpanCacheError('UidMismatch', key, `reserved again at revision ${kv.mod_revision}, ours was ${uid}${await revoke}`);
  }

  /** The client belongs to the caller (it may be shared with other stores). */
  async close(): Promise<void> {}
}
