/**
 * The operator process's manager, shaped like controller-runtime's: it owns every runnable (metrics
 * server, watches, controller workers, the AuditFlowing loop) and the leader election. Runnables that
 * need the lease start once it is held; the others at once. One stop path: stop() — and any failure —
 * stops the leader runnables in reverse order (the controller drains first, the watches stop last),
 * releases the lease, then stops the rest. A runnable that fails, or a lost lease, stops the whole
 * manager and rejects `done`, so the process exits non-zero and its Deployment restarts it.
 */
import type { Gauge } from 'prom-client';
import type { LeaderElector } from '../runtime/k8s/leaderElection.ts';
import type { Logger } from '../runtime/util/log.ts';

export interface Runnable {
  readonly name: string;
  /** Runs until `signal` aborts, then resolves once its loops ended. Rejecting (or ending early) is a failure. */
  run(signal: AbortSignal): Promise<void>;
}

/** Resolves when `signal` aborts (at once if it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export interface ManagerOptions {
  logger: Logger;
  /** Without one, this process leads at once (single replica, tests). */
  elector?: LeaderElector;
  /** Set to 1 while leading. */
  leaderGauge?: Gauge;
}

interface Started {
  runnable: Runnable;
  abort: AbortController;
  ended: Promise<void>;
}

export class Manager {
  private readonly pending = { always: [] as Runnable[], leader: [] as Runnable[] };
  private readonly started = { always: [] as Started[], leader: [] as Started[] };
  private readonly stopping = new AbortController();
  /** Aborted after the leader runnables stopped: the lease is renewed while they drain. */
  private readonly unlease = new AbortController();
  private leading = false;
  private campaigning: Promise<'lost' | 'stopped' | undefined> | undefined;
  private failure: Error | undefined;
  private shutdown: Promise<void> | undefined;
  private settle!: { resolve: () => void; reject: (err: Error) => void };
  /** Resolves after stop(); rejects with the reason when the manager stopped itself. */
  readonly done: Promise<void>;

  constructor(private readonly opts: ManagerOptions) {
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // Callers that only call stop() (tests) must not see an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** Registers a runnable; `leaderElection` ones start once the lease is held. Call before start(). */
  add(runnable: Runnable, opts: { leaderElection: boolean }): void {
    (opts.leaderElection ? this.pending.leader : this.pending.always).push(runnable);
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    for (const r of this.pending.always) this.launch(r, this.started.always);
    this.campaigning = this.campaign().catch((err: unknown) => {
      this.fail('leader election', err);
      return undefined;
    });
  }

  stop(): Promise<void> {
    this.shutdown ??= this.stopAll();
    return this.shutdown;
  }

  /** Acquires the lease (if elected), starts the leader runnables and renews until stopped or lost. */
  private async campaign(): Promise<'lost' | 'stopped' | undefined> {
    const { elector, logger } = this.opts;
    if (elector) {
      logger.info('waiting for the leader lease', { lease: `${elector.lock.namespace}/${elector.lock.name}`, identity: elector.identity });
      if (!(await elector.acquire(this.stopping.signal))) return undefined;
    }
    this.leading = true;
    this.opts.leaderGauge?.set(1);
    logger.info('leading: starting controllers', elector ? { identity: elector.identity } : {});
    if (!this.stopping.signal.aborted) for (const r of this.pending.leader) this.launch(r, this.started.leader);
    if (!elector) return undefined;
    const outcome = await elector.hold(this.unlease.signal);
    if (outcome === 'lost') this.fail('leader election', new Error(`lost the lease: not renewed within ${elector.timing.renewDeadlineMs} ms, or taken by another candidate`));
    return outcome;
  }

  private launch(runnable: Runnable, into: Started[]): void {
    const abort = new AbortController();
    const ended = runnable.run(abort.signal).then(
      () => {
        if (!abort.signal.aborted) this.fail(runnable.name, new Error('stopped on its own'));
      },
      (err: unknown) => this.fail(runnable.name, err),
    );
    into.push({ runnable, abort, ended });
  }

  private fail(name: string, err: unknown): void {
    if (this.stopping.signal.aborted) {
      this.opts.logger.warn('failure while stopping', { runnable: name, err });
      return;
    }
    this.failure = new Error(`${name} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    this.opts.logger.error('stopping the operator: a runnable failed', { runnable: name, err });
    void this.stop();
  }

  private async stopAll(): Promise<void> {
    this.stopping.abort();
    await stopInReverse(this.started.leader);
    this.unlease.abort();
    const outcome = await this.campaigning;
    // Hand over at once instead of after expiry; a lost lease is no longer ours to release.
    if (this.leading && this.opts.elector && outcome !== 'lost') await this.opts.elector.release();
    this.leading = false;
    this.opts.leaderGauge?.set(0);
    await stopInReverse(this.started.always);
    if (this.failure) this.settle.reject(this.failure);
    else this.settle.resolve();
  }
}

async function stopInReverse(started: Started[]): Promise<void> {
  for (const s of [...started].reverse()) {
    s.abort.abort();
    await s.ended;
  }
}
