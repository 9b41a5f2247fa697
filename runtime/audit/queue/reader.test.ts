import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { nullLogger } from '../../util/log.ts';
import { PartitionReader, type ReaderMetrics } from './reader.ts';
import { QueueKeys, streamEntries, type RedisQueueStore, type StreamEntry } from './redisStore.ts';

/** One partition stream with a consumer group's pending list, as the reader sees it through the store. */
class FakeStream {
  entries: StreamEntry[] = [];
  delivered = 0;
  pending = new Set<string>();
  acks: string[] = [];
  add(key: string, n: number): void {
    const id = `${this.entries.length + 1}-0`;
    this.entries.push([id, ['k', key, 'm', JSON.stringify({ key, n })]]);
  }
  store(): RedisQueueStore {
    return this.asStore(this);
  }
  private asStore(self: FakeStream): RedisQueueStore {
    return {
      keys: new QueueKeys('t'),
      async read(_c: Redis, _p: number, _consumer: string, after: string, count: number) {
        if (after === '>') {
          const out = self.entries.slice(self.delivered, self.delivered + count);
          self.delivered += out.length;
          for (const [id] of out) self.pending.add(id);
          if (out.length === 0) await new Promise((r) => setTimeout(r, 5));
          return out;
        }
        const afterNum = Number(after.split('-')[0]);
        return self.entries.filter(([id]) => self.pending.has(id) && Number(id.split('-')[0]) > afterNum).slice(0, count);
      },
      async ack(_p: number, ids: string[]) {
        for (const id of ids) self.pending.delete(id);
        self.acks.push(...ids);
      },
      async ensureGroup() {},
    } as unknown as RedisQueueStore;
  }
}

const metrics = (): ReaderMetrics & { redeliveredTotal: number } => {
  const m = { redeliveredTotal: 0, acked: () => {}, redelivered: (n: number) => (m.redeliveredTotal += n), abandoned: () => {}, readErrors: () => {}, inFlight: () => {} };
  return m;
};

const fakeClient = { disconnect: () => {} } as unknown as Redis;
const settings = { partition: 0, readBatch: 4, blockMs: 5, perPartitionConcurrency: 4, maxAttempts: 5 };

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

describe('partition reader', () => {
  it('delivers pending entries first, in order, then new ones, and acks each once handled', async () => {
    const s = new FakeStream();
    for (let n = 0; n < 6; n++) s.add('a', n);
    // A previous holder took the first three and died before acking.
    s.delivered = 3;
    for (const [id] of s.entries.slice(0, 3)) s.pending.add(id);
    const seen: number[] = [];
    const m = metrics();
    const r = new PartitionReader<{ key: string; n: number }>(settings, {
      store: s.store(),
      client: fakeClient,
      handler: async (v) => void seen.push(v.n),
      metrics: m,
      logger: nullLogger,
    });
    r.start();
    await until(() => s.acks.length === 6);
    await r.stop();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(m.redeliveredTotal).toBe(3);
    expect(s.pending.size).toBe(0);
  });

  it("a failed event and its object's later events stay pending and come again in order; other objects go on", async () => {
    const s = new FakeStream();
    s.add('a', 0);
    s.add('b', 0);
    s.add('a', 1);
    s.add('b', 1);
    let failOnce = true;
    const seen: string[] = [];
    const r = new PartitionReader<{ key: string; n: number }>(settings, {
      store: s.store(),
      client: fakeClient,
      handler: async (v) => {
        if (v.key === 'a' && v.n === 0 && failOnce) {
          failOnce = false;
          return false;
        }
        seen.push(`${v.key}${v.n}`);
        return true;
      },
      metrics: metrics(),
      logger: nullLogger,
    });
    r.start();
    await until(() => s.pending.size === 0 && s.acks.length === 4);
    await r.stop();
    expect(seen.filter((x) => x.startsWith('a'))).toEqual(['a0', 'a1']);
    expect(seen.filter((x) => x.startsWith('b'))).toEqual(['b0', 'b1']);
  });

  it('acks nothing while spans were dropped during the export wait, and delivers the batch again', async () => {
    const s = new FakeStream();
    s.add('a', 0);
    let dropped = 0;
    let handled = 0;
    const r = new PartitionReader<{ key: string; n: number }>(settings, {
      store: s.store(),
      client: fakeClient,
      handler: async () => {
        handled++;
        if (handled === 1) dropped++; // the first export loses a span
        return true;
      },
      barrier: { dropped: () => dropped, settled: () => Promise.resolve() },
      metrics: metrics(),
      logger: nullLogger,
    });
    r.start();
    await until(() => s.acks.length === 1);
    await r.stop();
    expect(handled).toBe(2);
  });

  it('reads both reply shapes of XREADGROUP', () => {
    const entries: StreamEntry[] = [['1-0', ['k', 'a', 'm', '{}']]];
    expect(streamEntries([['s', entries]])).toEqual(entries);
    expect(streamEntries(['s', entries])).toEqual(entries);
    expect(streamEntries(null)).toEqual([]);
  });
});
