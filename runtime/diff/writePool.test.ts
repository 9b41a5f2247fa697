import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { nullLogger } from '../util/log.ts';
import { writeBufferMs } from './controller.ts';
import { WritePool } from './writePool.ts';

const depth = new Gauge({ name: 'd', help: 'd', labelNames: ['c'], registers: [new Registry()] });

describe('write pool', () => {
  it('buffers while not the write leader and replays on takeover', async () => {
    const done: string[] = [];
    const pool = new WritePool({ workers: 2, maxPending: 4, bufferMs: 60_000 }, { logger: nullLogger, onError: () => {}, depth, labels: { c: 'x' } });
    for (const n of ['a', 'b', 'c']) await pool.submit({ describe: n, run: async () => void done.push(n) });
    expect(done).toEqual([]);
    pool.setWriteLeader(true);
    await pool.submit({ describe: 'd', run: async () => void done.push('d') });
    await pool.close();
    expect(done.sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('applies backpressure when full', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pool = new WritePool({ workers: 1, maxPending: 1, bufferMs: 1, writeLeader: true }, { logger: nullLogger, onError: () => {}, depth, labels: { c: 'y' } });
    await pool.submit({ describe: '1', run: () => gate });
    await pool.submit({ describe: '2', run: async () => {} });
    let accepted = false;
    const third = pool.submit({ describe: '3', run: async () => {} }).then(() => (accepted = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(accepted).toBe(false);
    release();
    await third;
    expect(accepted).toBe(true);
    await pool.close();
  });
});

describe('write buffer of a replica that is not the writer', () => {
  it('outlasts the writer lease plus two retry periods, whichever election lease is longer', () => {
    const election = (leaseDuration: number, retryPeriod: number) => ({ leaseDuration, retryPeriod, renewDeadline: leaseDuration - 1, name: 'x', numLeaders: 1, enabled: true, namespace: 'default' });
    expect(writeBufferMs({ leaderElection: election(6_000, 1_000), writerElection: election(6_000, 1_000) } as never)).toBe(8_000);
    expect(writeBufferMs({ leaderElection: election(6_000, 1_000), writerElection: election(15_000, 2_000) } as never)).toBe(19_000);
  });
});
