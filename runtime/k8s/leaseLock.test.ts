import { describe, expect, it } from 'vitest';
import { apiErrorFromBody } from './errors.ts';
import { LeaseLock } from './leaseLock.ts';
import type { RestRequest } from './rest.ts';

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string; leaseTransitions?: number };
}

/** One Lease in a fake apiserver with resourceVersion-checked updates. */
class FakeLeases {
  lease: Lease | undefined;
  private rv = 0;

  async request<T>(req: RestRequest): Promise<T> {
    const fail = (code: number, reason: string) => apiErrorFromBody('c1', req.method ?? 'GET', req.path, code, JSON.stringify({ reason, message: reason }));
    const body = req.body as Lease;
    switch (req.method ?? 'GET') {
      case 'GET':
        if (!this.lease) throw fail(404, 'NotFound');
        return structuredClone(this.lease) as T;
      case 'POST':
        if (this.lease) throw fail(409, 'AlreadyExists');
        return this.store(body) as T;
      case 'PUT':
        if (body.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw fail(409, 'Conflict');
        return this.store(body) as T;
      default:
        throw new Error(`unexpected ${req.method}`);
    }
  }

  /** Another process writes the lease (its own clock, whatever it says). */
  store(lease: Lease): Lease {
    this.lease = structuredClone({ ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } });
    return structuredClone(this.lease);
  }
}

const LEASE_MS = 15_000;
const held = (holder: string, renewTime: string): Lease => ({
  metadata: { name: 'l', namespace: 'ns' },
  spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime, acquireTime: renewTime, leaseTransitions: 3 },
});

function setup() {
  const api = new FakeLeases();
  let now = Date.parse('2030-01-01T00:00:00Z');
  const clock = { advance: (ms: number) => (now += ms) };
  const lock = new LeaseLock(api, 'ns', 'l', 'me', LEASE_MS, () => now);
  return { api, clock, lock };
}

describe('LeaseLock', () => {
  it('creates a missing lease and holds it', async () => {
    const { api, lock } = setup();
    expect(await lock.tryAcquireOrRenew(1000)).toBe(true);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: 'me', leaseDurationSeconds: 15, leaseTransitions: 0 });
  });

  it('judges expiry by local observation, not by the holder clock: an old renewTime is not expired yet', async () => {
    const { api, clock, lock } = setup();
    // The holder's clock runs an hour behind: comparing renewTime with our clock would call it expired.
    api.store(held('other', '2029-12-31T23:00:00.000000Z'));
    expect(await lock.tryAcquireOrRenew(1000)).toBe(false);
    clock.advance(LEASE_MS - 1);
    expect(await lock.tryAcquireOrRenew(1000)).toBe(false);
    clock.advance(2);
    expect(await lock.tryAcquireOrRenew(1000)).toBe(true);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: 'me', leaseTransitions: 4 });
  });

  it('a renewTime in the future (holder clock ahead) still expires after leaseDuration unchanged', async () => {
    const { api, clock, lock } = setup();
    api.store(held('other', '2030-01-01T05:00:00.000000Z'));
    expect(await lock.tryAcquireOrRenew(1000)).toBe(false);
    clock.advance(LEASE_MS + 1);
    expect(await lock.tryAcquireOrRenew(1000)).toBe(true);
  });

  it('every renewal by the holder restarts the observed lease duration', async () => {
    const { api, clock, lock } = setup();
    api.store(held('other', '2030-01-01T00:00:00.000000Z'));
    expect(await lock.tryAcquireOrRenew(1000)).toBe(false);
    clock.advance(10_000);
    api.store(held('other', '2030-01-01T00:00:10.000000Z'));
    expect(await lock.tryAcquireOrRenew(1000)).toBe(false);
    clock.advance(10_000);
    // 20 s since first seen, but only 10 s since the record last changed.
    expect(await lock.tryAcquireOrRenew(1000)).toBe(false);
  });

  it('loses a race for the update (409) without throwing', async () => {
    const { api, clock, lock } = setup();
    api.store(held('other', '2030-01-01T00:00:00.000000Z'));
    await lock.tryAcquireOrRenew(1000);
    clock.advance(LEASE_MS + 1);
    const request = api.request.bind(api);
    // Someone else writes between our GET and our PUT.
    api.request = async <T,>(req: RestRequest): Promise<T> => {
      if (req.method === 'PUT') api.store(held('third', '2030-01-01T00:00:16.000000Z'));
      return request<T>(req);
    };
    expect(await lock.tryAcquireOrRenew(1000)).toBe(false);
  });

  it('release empties the holder, so another candidate acquires at once', async () => {
    const api = new FakeLeases();
    const mine = new LeaseLock(api, 'ns', 'l', 'me', LEASE_MS, () => 0);
    const other = new LeaseLock(api, 'ns', 'l', 'other', LEASE_MS, () => 0);
    expect(await mine.tryAcquireOrRenew(1000)).toBe(true);
    expect(await other.tryAcquireOrRenew(1000)).toBe(false);
    await mine.release(1000);
    expect(api.lease?.spec.holderIdentity).toBe('');
    expect(await other.tryAcquireOrRenew(1000)).toBe(true);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: 'other', leaseTransitions: 1 });
  });
});
