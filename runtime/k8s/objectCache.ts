/**
 * Lazy GET cache of objects (spec 4.8), keyed by cluster + group + resource + namespace + name (the
 * original omitted the cluster, so two clusters' same-named objects collided). Bounded by approximate
 * bytes (LRU), entries live `storeTtl`; concurrent misses for one key share one GET. A 404 falls back to
 * the diff cache's deletion snapshot, so linkers still see objects deleted moments ago.
 */
import type { Registry } from 'prom-client';
import { keyString, type VersionedKey } from '../model/objectKey.ts';
import type { Logger } from '../util/log.ts';
import type { KubeClients } from './clients.ts';
import type { Discovery } from './discovery.ts';
import { resourcePath } from './gvr.ts';
import { counter, gauge } from '../metrics/define.ts';
import { isNotFound, KubeApiError } from './errors.ts';

export type KubeObjectJson = Record<string, unknown>;

export interface ObjectCacheOptions {
  clients: KubeClients;
  discovery: Discovery;
  logger: Logger;
  registry: Registry;
  maxBytes: number;
  storeTtlMs: number;
  fetchTimeoutMs: number;
  /** Where to look when the apiserver says 404 (the diff cache's deletion snapshot). */
  deletedFallback?: (key: VersionedKey) => Promise<KubeObjectJson | undefined>;
}

interface Entry {
  json: string;
  bytes: number;
  expiresAt: number;
}

export class ObjectCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<KubeObjectJson | undefined>>();
  private bytes = 0;
  private readonly requests;
  private readonly size;
  private readonly evictions;

  constructor(private readonly opts: ObjectCacheOptions) {
    this.requests = counter(opts.registry, 'object_cache_request_count', 'Object cache lookups by outcome.', ['cluster', 'hit', 'error']);
    this.size = gauge(opts.registry, 'object_cache_size_bytes', 'Approximate bytes held by the object cache.', []);
    this.evictions = counter(opts.registry, 'object_cache_eviction_count', 'Entries evicted to respect the byte bound.', []);
  }

  async get(key: VersionedKey): Promise<KubeObjectJson | undefined> {
    const k = keyString(key);
    const hit = this.entries.get(k);
    if (hit && hit.expiresAt > Date.now()) {
      // Refresh LRU position.
      this.entries.delete(k);
      this.entries.set(k, hit);
      this.requests.inc({ cluster: key.cluster, hit: 'true', error: '' });
      return JSON.parse(hit.json) as KubeObjectJson;
    }
    if (hit) this.remove(k);
    let pending = this.inflight.get(k);
    if (!pending) {
      pending = this.fetch(key).finally(() => this.inflight.delete(k));
      this.inflight.set(k, pending);
    }
    return pending;
  }

  private async fetch(key: VersionedKey): Promise<KubeObjectJson | undefined> {
    const { clients, discovery } = this.opts;
    const miss = (error: string) => this.requests.inc({ cluster: key.cluster, hit: 'false', error });
    if (!clients.has(key.cluster)) {
      miss('UnknownCluster');
      return this.fallback(key);
    }
    let version = key.version;
    if (!version) {
      const info = await discovery.for(key.cluster).lookupResource(key.group, key.resource);
      if (!info) {
        miss('UnknownResource');
        return this.fallback(key);
      }
      version = info.version;
    }
    const path = resourcePath({ group: key.group, version, resource: key.resource }, key.namespace || undefined, key.name);
    let obj: KubeObjectJson;
    try {
      obj = await clients.get(key.cluster).rest.request({ path, query: { resourceVersion: '0' }, timeoutMs: this.opts.fetchTimeoutMs });
    } catch (err) {
      if (isNotFound(err)) {
        const fb = await this.fallback(key);
        miss(fb ? 'DeletionSnapshot' : 'NotFoundAnywhere');
        return fb;
      }
      miss(err instanceof KubeApiError ? err.reason || String(err.statusCode) : 'Apiserver');
      throw new Error(`object cache: fetching ${key.cluster}/${key.group}/${key.resource}/${key.namespace}/${key.name}: ${(err as Error).message}`, { cause: err });
    }
    miss('');
    this.put(keyString(key), obj);
    return obj;
  }

  private async fallback(key: VersionedKey): Promise<KubeObjectJson | undefined> {
    if (!this.opts.deletedFallback) return undefined;
    try {
      return await this.opts.deletedFallback(key);
    } catch (err) {
      this.opts.logger.warn('object cache: deletion snapshot lookup failed', { key: keyString(key), err });
      return undefined;
    }
  }

  private put(k: string, obj: KubeObjectJson): void {
    const json = JSON.stringify(obj);
    const bytes = json.length + k.length;
    if (bytes > this.opts.maxBytes) return;
    this.remove(k);
    this.entries.set(k, { json, bytes, expiresAt: Date.now() + this.opts.storeTtlMs });
    this.bytes += bytes;
    for (const [old] of this.entries) {
      if (this.bytes <= this.opts.maxBytes) break;
      this.remove(old);
      this.evictions.inc();
    }
    this.size.set(this.bytes);
  }

  private remove(k: string): void {
    const e = this.entries.get(k);
    if (!e) return;
    this.entries.delete(k);
    this.bytes -= e.bytes;
    this.size.set(this.bytes);
  }
}
