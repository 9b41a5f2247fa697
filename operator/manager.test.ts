import { describe, expect, it } from 'vitest';
import type { LeaderElector } from '../runtime/k8s/leaderElection.ts';
import { nullLogger } from '../runtime/util/log.ts';
import { Manager, untilAborted, type Runnable } from './manager.ts';

/** A runnable that records start and stop in `log`; `fail` makes it reject after starting. */
function recorder(name: string, log: string[], fail?: Error): Runnable {
  return {
    name,
    async run(signal) {
      log.push(`start ${name}`);
      if (fail) throw fail;
      await untilAborted(signal);
      log.push(`stop ${name}`);
    },
  };
}

/** An elector whose lease is granted by the test and can be lost. */
function fakeElector(log: string[]) {
  let grant!: (won: boolean) => void;
  let lose!: () => void;
  const elector = {
    identity: 'me',
    lock: { namespace: 'ns', name: 'lease' },
    timing: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
    acquire: (signal: AbortSignal) =>
      new Promise<boolean>((resolve) => {
        grant = resolve;
        signal.addEventListener('abort', () => resolve(false), { once: true });
      }),
    hold: (signal: AbortSignal) =>
      new Promise<'lost' | 'stopped'>((resolve) => {
        lose = () => resolve('lost');
        signal.addEventListener('abort', () => resolve('stopped'), { once: true });
      }),
    release: async () => void log.push('release'),
  };
  return { elector: elector as unknown as LeaderElector, grant: (won = true) => grant(won), lose: () => lose() };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Manager', () => {
  it('starts leader runnables only once the lease is held, and stops in reverse order before releasing it', async () => {
    const log: string[] = [];
    const { elector, grant } = fakeElector(log);
    const m = new Manager({ logger: nullLogger, elector });
    m.add(recorder('metrics', log), { leaderElection: false });
    m.add(recorder('watches', log), { leaderElection: true });
    m.add(recorder('controller', log), { leaderElection: true });
    m.start();
    await tick();
    expect([log, m.isLeader()]).toEqual([['start metrics'], false]);
    grant();
    await tick();
    expect(m.isLeader()).toBe(true);
    await m.stop();
    await expect(m.done).resolves.toBeUndefined();
    expect(log).toEqual(['start metrics', 'start watches', 'start controller', 'stop controller', 'stop watches', 'release', 'stop metrics']);
    expect(m.isLeader()).toBe(false);
  });

  it('a runnable that fails stops everything and rejects done with its name', async () => {
    const log: string[] = [];
    const m = new Manager({ logger: nullLogger });
    m.add(recorder('metrics', log, new Error('listen EADDRINUSE')), { leaderElection: false });
    m.add(recorder('controller', log), { leaderElection: true });
    m.start();
    await expect(m.done).rejects.toThrow('metrics failed: listen EADDRINUSE');
    expect(log).toEqual(['start metrics', 'start controller', 'stop controller']);
    await m.stop();
  });

  it('a lost lease stops the manager (done rejects) without releasing the lease', async () => {
    const log: string[] = [];
    const { elector, grant, lose } = fakeElector(log);
    const m = new Manager({ logger: nullLogger, elector });
    m.add(recorder('controller', log), { leaderElection: true });
    m.start();
    grant();
    await tick();
    lose();
    await expect(m.done).rejects.toThrow(/leader election failed: lost the lease/);
    expect(log).toEqual(['start controller', 'stop controller']);
  });

  it('stopping while waiting for the lease starts no leader runnable', async () => {
    const log: string[] = [];
    const { elector } = fakeElector(log);
    const m = new Manager({ logger: nullLogger, elector });
    m.add(recorder('controller', log), { leaderElection: true });
    m.start();
    await m.stop();
    await expect(m.done).resolves.toBeUndefined();
    expect(log).toEqual([]);
  });
});
