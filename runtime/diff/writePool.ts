/**
 * Where the diff controller's cache writes go. A bounded pool of workers runs them; while this process
 * is not the write leader, writes are kept for one lease duration instead (the original's failover
 * buffer) and replayed when it becomes the write leader, so the hand-over gap loses nothing.
 * `submit` resolves once the write is accepted: a full pool slows the watch instead of growing memory.
 */
import type { Gauge } from 'prom-client';
import type { Logger } from '../util/log.ts';

export type Write = { describe: string; run: () => Promise<void> };

export interface WritePoolSettings {
  workers: number;
  maxPending: number;
  /** How long a write is kept while this process is not the write leader. */
  bufferMs: number;
  /** Start as write leader (election disabled). */
  writeLeader?: boolean;
}

export interface WritePoolDeps {
  logger: Logger;
  onError: (w: Write, err: unknown) => void;
  depth: Gauge<string>;
  labels: Record<string, string>;
}

export class WritePool {
  private readonly pending: Write[] = [];
  private readonly buffered: Array<{ expiresAt: number; write: Write }> = [];
  private readonly waiters: Array<() => void> = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private writeLeader: boolean;
  private closed = false;

  private readonly config: WritePoolSettings;
  private readonly deps: WritePoolDeps;

  constructor(config: WritePoolSettings, deps: WritePoolDeps) {
    this.config = config;
    this.deps = deps;
    this.writeLeader = config.writeLeader ?? false;
  }

  async submit(write: Write): Promise<void> {
    if (this.closed) return;
    if (!this.writeLeader) {
      const now = Date.now();
      this.buffered.push({ expiresAt: now + this.config.bufferMs, write });
      while (this.buffered.length && this.buffered[0]!.expiresAt <= now) this.buffered.shift();
      this.report();
      return;
    }
    while (this.pending.length >= this.config.maxPending && !this.closed) await new Promise<void>((r) => this.waiters.push(r));
    this.pending.push(write);
    this.report();
    this.pump();
  }

  setWriteLeader(leader: boolean): void {
    if (leader === this.writeLeader) return;
    this.writeLeader = leader;
    if (leader) {
      const replay = this.buffered.splice(0).map((b) => b.write);
      if (replay.length) this.deps.logger.info('became diff writer; replaying buffered writes', { count: replay.length, ...this.deps.labels });
      this.pending.push(...replay);
      this.pump();
    }
    this.report();
  }

  private report(): void {
    this.deps.depth.set(this.deps.labels, this.pending.length + this.buffered.length);
  }

  private pump(): void {
    while (this.running < this.config.workers && this.pending.length) {
      const w = this.pending.shift()!;
      this.running++;
      this.waiters.shift()?.();
      w.run()
        .catch((err: unknown) => this.deps.onError(w, err))
        .finally(() => {
          this.running--;
          this.report();
          this.pump();
          if (this.running === 0 && this.pending.length === 0) for (const r of this.idleWaiters.splice(0)) r();
        });
    }
  }

  /** Waits for accepted writes to finish (buffered, non-leader writes are dropped). */
  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.waiters.splice(0)) r();
    this.buffered.length = 0;
    if (this.running > 0 || this.pending.length > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    this.report();
  }
}
