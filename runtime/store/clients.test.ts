import { describe, expect, it } from 'vitest';
import { StoreClients } from './clients.ts';

describe('store clients', () => {
  it('names the setting that selected a store that is not configured', () => {
    const stores = new StoreClients({});
    expect(() => stores.etcd('plugin.traceCache.backend')).toThrow('plugin.traceCache.backend is "etcd" but stores.etcd is not configured');
    expect(() => stores.redis('stores.spanCache.backend')).toThrow('stores.spanCache.backend is "redis" but stores.redis is not configured');
  });

  it('shares one etcd client between its users and closes it once', async () => {
    const stores = new StoreClients({ etcd: { endpoints: ['http://127.0.0.1:1'], dialTimeout: 100 } });
    const client = stores.etcd('stores.spanCache.backend');
    expect(stores.etcd('informers.diffCache.backend')).toBe(client);
    await stores.close();
    await stores.close();
  });
});
